# The dashboard's web root, $(BUILD)/www (bin/web serves it as WEB_ROOT):
# services/web/www as it is, plus TradingView Lightweight Charts from npm
# (installed with `npm ci` from the committed lock file) in vendor/.
WWW_DIR   := $(BUILD)/www
# Folders too, so that deleting a file rebuilds the web root.
WWW_SRC   := $(shell find services/web/www 2>/dev/null)
WWW_STAMP := $(BUILD)/www.stamp
NPM_STAMP := node_modules/.package-lock.json
CHARTS    := node_modules/lightweight-charts

# npm ci writes node_modules/.package-lock.json, so this runs again only
# when package.json or the lock file changes (or node_modules is gone).
$(NPM_STAMP): package.json package-lock.json
	@echo "  NPM   ci"
	@npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# Built beside the old web root, then swapped in, so a running bin/web
# never sees a half-copied tree.
$(WWW_STAMP): $(WWW_SRC) $(NPM_STAMP) services/web/assets.mk
	@echo "  WWW   $(WWW_DIR)"
	@rm -rf $(WWW_DIR).new && mkdir -p $(WWW_DIR).new/vendor
	@cp -R services/web/www/. $(WWW_DIR).new/
	@cp $(CHARTS)/dist/lightweight-charts.standalone.production.mjs $(WWW_DIR).new/vendor/lightweight-charts.mjs
	@cp $(CHARTS)/LICENSE $(WWW_DIR).new/vendor/LICENSE-lightweight-charts.txt
	@rm -rf $(WWW_DIR) && mv $(WWW_DIR).new $(WWW_DIR)
	@touch $@

www: $(WWW_STAMP)
programs: www

.PHONY: www
