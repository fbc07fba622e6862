/* Replays a fuzz target's committed corpus once, as part of the normal tests
 * (no fuzzing engine needed): every file of tests/fuzz/corpus/<target> is fed
 * to LLVMFuzzerTestOneInput. Linked with one target; FUZZ_TARGET names it.
 * A crash, a sanitizer report or a broken invariant (abort) fails the run,
 * and the file being replayed is named on stderr. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static char current[600];

static void name_current(void)
{
    static const char prefix[] = "replay: failed on ";
    if (current[0] == '\0')
        return;
    if (write(2, prefix, sizeof prefix - 1) < 0 || write(2, current, strlen(current)) < 0 ||
        write(2, "\n", 1) < 0)
        return;
}

static void on_abort(int sig)
{
    name_current();
    signal(sig, SIG_DFL);
    raise(sig);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_replay_corpus(void **state)
{
    char dir[300];
    const char *base = getenv("FUZZ_CORPUS");
    snprintf(dir, sizeof dir, "%s/%s", base && *base ? base : "tests/fuzz/corpus", FUZZ_TARGET);
    DIR *d = opendir(dir);
    if (d == NULL)
        fail_msg("no corpus folder %s", dir);
    char **names = NULL;
    size_t count = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        names = realloc(names, (count + 1) * sizeof *names);
        names[count++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, count, sizeof *names, by_name);
    size_t bytes = 0;
    for (size_t i = 0; i < count; i++) {
        snprintf(current, sizeof current, "%s/%s", dir, names[i]);
        FILE *f = fopen(current, "rb");
        if (f == NULL)
            fail_msg("cannot read %s", current);
        fseek(f, 0, SEEK_END);
        long size = ftell(f);
        rewind(f);
        /* An exact-size copy, so that ASan sees reads past the end. */
        uint8_t *data = malloc(size > 0 ? (size_t)size : 1);
        if (size > 0 && fread(data, 1, (size_t)size, f) != (size_t)size)
            fail_msg("short read of %s", current);
        fclose(f);
        LLVMFuzzerTestOneInput(data, (size_t)size);
        bytes += (size_t)size;
        free(data);
        free(names[i]);
    }
    free(names);
    current[0] = '\0';
    printf("replayed %zu inputs (%zu bytes) from %s\n", count, bytes, dir);
    assert_true(count > 0);
}

int main(int argc, char **argv)
{
    signal(SIGABRT, on_abort);
#if defined(__SANITIZE_ADDRESS__)
    __sanitizer_set_death_callback(name_current);
#endif
    LLVMFuzzerInitialize(&argc, &argv);
    const struct CMUnitTest tests[] = { cmocka_unit_test(test_replay_corpus) };
    return cmocka_run_group_tests_name("fuzz_replay_" FUZZ_TARGET, tests, NULL, NULL);
}
