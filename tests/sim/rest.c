#include "rest.h"

#include <string.h>

bool
rest_route(struct http_request *r, const char *path)
{
	const char *prefix = sim.exchange->rest_prefix;

	if (strncmp(path, prefix, strlen(prefix)))
		return false;
	sim.rest_requests++;
	if (sim.rest_fail) {
		sim.rest_fail--;
		sim.exchange->rest_error(r, HTTP_STATUS_SERVICE_UNAVAILABLE,
					 "Service Unavailable");
		return true;
	}
	sim.exchange->rest(r, path + strlen(prefix));
	return true;
}
