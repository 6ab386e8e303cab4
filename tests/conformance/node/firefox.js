// Drives Debian's firefox-esr over WebDriver BiDi for tests/conformance/test_firefox.py.
//
// Reads one JSON command per line on stdin and answers each with one JSON line on stdout:
//   {"op": "open", "url": ...}            load a page in the tab
//   {"op": "fetch", "url": ..., "init": {...}}  run fetch() in the page; {allowed, status, headers} or {allowed: false, error}
//   {"op": "console"}                     the console lines Firefox wrote since the last call
//   {"op": "cookie", "cookie": {...}}     set a cookie (BiDi storage.setCookie)
//   {"op": "quit"}
// Console lines come from Services.console in the browser's own window (needs
// --remote-allow-system-access): BiDi's log.entryAdded carries errors only, not CORS warnings.
"use strict";
const readline = require("readline");
const puppeteer = require("puppeteer-core");

const [profile, names, extraPrefs] = process.argv.slice(2);

const PREFS = {
  "network.dns.localDomains": names,
  "services.settings.server": "data:,#remote-settings-dummy/v1",
  "app.update.auto": false,
  "app.update.enabled": false,
  "app.normandy.enabled": false,
  "datareporting.healthreport.uploadEnabled": false,
  "datareporting.policy.dataSubmissionEnabled": false,
  "toolkit.telemetry.enabled": false,
  "toolkit.telemetry.unified": false,
  "browser.safebrowsing.malware.enabled": false,
  "browser.safebrowsing.phishing.enabled": false,
  "browser.safebrowsing.downloads.enabled": false,
  "browser.safebrowsing.provider.google4.updateURL": "",
  "browser.safebrowsing.provider.mozilla.updateURL": "",
  "network.captive-portal-service.enabled": false,
  "network.connectivity-service.enabled": false,
  "captivedetect.canonicalURL": "",
  "extensions.update.enabled": false,
  "extensions.getAddons.cache.enabled": false,
  "browser.newtabpage.enabled": false,
  "browser.startup.page": 0,
  "network.trr.mode": 5,
  "network.proxy.type": 0,
  "media.gmp-manager.url": "",
  "browser.ping-centre.telemetry": false,
  "network.http.http3.enable": false,
};

const LISTEN = `(() => {
  if (globalThis.__corsLines) return "ready";
  globalThis.__corsLines = [];
  const listener = {
    observe(message) {
      try {
        const error = message.QueryInterface(Ci.nsIScriptError);
        globalThis.__corsLines.push({
          text: error.errorMessage, category: error.category,
          warning: (error.flags & Ci.nsIScriptError.warningFlag) !== 0,
          chrome: error.isFromChromeContext,
        });
      } catch (e) {
        globalThis.__corsLines.push({text: String(message.message), category: "", warning: false});
      }
    },
  };
  Services.console.registerListener(listener);
  return "ready";
})()`;
const DRAIN = `(() => { const lines = globalThis.__corsLines; globalThis.__corsLines = []; return JSON.stringify(lines); })()`;

const FETCH = async (url, init) => {
  try {
    const response = await fetch(url, init);
    return {allowed: true, status: response.status, headers: [...response.headers.keys()]};
  } catch (error) {
    return {allowed: false, error: String(error)};
  }
};

async function main() {
  const browser = await puppeteer.launch({
    browser: "firefox",
    executablePath: "/usr/bin/firefox-esr",
    headless: true,
    acceptInsecureCerts: true,
    args: ["--profile", profile, "--remote-allow-system-access"],
    extraPrefsFirefox: {...PREFS, ...JSON.parse(extraPrefs || "{}")},
    env: {...process.env, MOZ_DISABLE_NONLOCAL_CONNECTIONS: "1"},
  });
  const connection = browser.connection;
  const tree = await connection.send("browsingContext.getTree", {"moz:scope": "chrome"});
  const chrome = tree.result.contexts[0].context;
  const inChrome = async (expression) => {
    const answer = await connection.send("script.evaluate", {
      expression, target: {context: chrome}, awaitPromise: false,
    });
    if (answer.result.type !== "success") throw new Error(JSON.stringify(answer.result));
    return answer.result.result.value;
  };
  await inChrome(LISTEN);
  const [page] = await browser.pages();

  const handle = async (command) => {
    switch (command.op) {
      case "open":
        await page.goto(command.url, {waitUntil: "load"});
        return {url: page.url()};
      case "fetch":
        return await page.evaluate(FETCH, command.url, command.init || {});
      case "console":
        return JSON.parse(await inChrome(DRAIN));
      case "cookie":
        await browser.setCookie(command.cookie);
        return {};
      case "version":
        return {version: await browser.version()};
      case "quit":
        await browser.close();
        return {};
      default:
        throw new Error(`unknown op ${command.op}`);
    }
  };

  const lines = readline.createInterface({input: process.stdin});
  process.stdout.write(JSON.stringify({ready: true}) + "\n");
  for await (const line of lines) {
    if (!line.trim()) continue;
    const command = JSON.parse(line);
    let reply;
    try {
      reply = {ok: true, result: await handle(command)};
    } catch (error) {
      reply = {ok: false, error: String(error && error.stack || error)};
    }
    process.stdout.write(JSON.stringify(reply) + "\n");
    if (command.op === "quit") break;
  }
  if (browser.connected) await browser.close();
  lines.close();
  process.exit(0);
}

main().catch((error) => {
  process.stderr.write(String(error && error.stack || error) + "\n");
  process.exit(1);
});
