#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Renders HTML reports in headless Chromium and checks them (TAP).

  cdp_check.py OUTDIR PAGE.html[:EXPECT.json] ...

One Chromium (Debian's `chromium`), driven over the DevTools protocol
(python3-websocket). For each page: load it from file://, save a PNG
screenshot into OUTDIR, and check that
  - the console logged no error and the page threw no exception,
  - the page made no request besides its own file (no script, font, image
    or style sheet from anywhere),
  - the DOM holds one ladder per connection, one arrow per message and the
    first finding (the numbers come from EXPECT.json, written next to the
    page: {"arrows": N, "ladders": N, "finding": "CAUSE_ID" or null,
    "verdict": "failing", "text": [strings that must be in the page text],
    "fleet": 0|1}),
  - there is no script, iframe, object, embed or img element, and no
    on* attribute (a hostile server string did not become markup).
Exit 0 when every page passed."""
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

import websocket  # python3-websocket

CHROMIUM = os.environ.get("CHROMIUM", "chromium")

PROBE_JS = r"""(() => {
  const q = s => document.querySelectorAll(s);
  const f = document.querySelector('[id$="finding-1"]');
  let on = 0;
  for (const e of document.querySelectorAll('*'))
    for (const a of e.attributes) if (/^on/i.test(a.name)) on++;
  return {
    ladders: q('svg.ladder').length,
    arrows: q('svg.ladder g.arrow').length,
    stops: q('svg.ladder g.stop').length,
    finding: f ? f.textContent : null,
    verdict: (document.getElementById('verdict') || {}).textContent || null,
    active: q('script, iframe, object, embed, img, link, base, meta[http-equiv=refresh]').length,
    on: on,
    text: document.body.innerText,
    height: document.documentElement.scrollHeight
  };
})()"""


class Page:
    def __init__(self, ws_url):
        self.ws = websocket.create_connection(ws_url, timeout=30, suppress_origin=True)
        self.id = 0
        self.events = []

    def call(self, method, **params):
        self.id += 1
        my = self.id
        self.ws.send(json.dumps({"id": my, "method": method, "params": params}))
        while True:
            m = json.loads(self.ws.recv())
            if m.get("id") == my:
                if "error" in m:
                    raise RuntimeError("%s: %s" % (method, m["error"]))
                return m.get("result", {})
            if "method" in m:
                self.events.append(m)

    def wait_event(self, name, timeout=20):
        end = time.time() + timeout
        while time.time() < end:
            for i, e in enumerate(self.events):
                if e["method"] == name:
                    del self.events[i]
                    return e
            m = json.loads(self.ws.recv())
            if "method" in m:
                self.events.append(m)
        raise TimeoutError(name)


def start_browser(profile):
    args = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
            "--no-first-run", "--no-default-browser-check",
            "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--remote-debugging-port=0",
            "--user-data-dir=" + profile, "about:blank"]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    port_file = os.path.join(profile, "DevToolsActivePort")
    for _ in range(300):
        if os.path.exists(port_file) and open(port_file).read().count("\n") >= 1:
            break
        if proc.poll() is not None:
            raise RuntimeError("chromium exited with %d" % proc.returncode)
        time.sleep(0.1)
    port = int(open(port_file).read().split("\n")[0])
    for _ in range(50):
        targets = json.load(urllib.request.urlopen("http://127.0.0.1:%d/json/list" % port))
        pages = [t for t in targets if t.get("type") == "page"]
        if pages:
            return proc, pages[0]["webSocketDebuggerUrl"]
        time.sleep(0.1)
    raise RuntimeError("no page target")


def check(page, path, expect, outdir):
    url = "file://" + os.path.abspath(path)
    page.events.clear()
    page.call("Page.navigate", url=url)
    page.wait_event("Page.loadEventFired")
    page.call("Runtime.evaluate", expression="1")  # drain pending events
    dom = page.call("Runtime.evaluate", expression=PROBE_JS, returnByValue=True)["result"]["value"]
    errors, requests = [], []
    for e in page.events:
        m, p = e["method"], e["params"]
        if m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
            errors.append("console.%s" % p["type"])
        elif m == "Runtime.exceptionThrown":
            errors.append("exception: %s" % p["exceptionDetails"].get("text"))
        elif m == "Log.entryAdded" and p["entry"].get("level") == "error":
            errors.append("log: %s" % p["entry"].get("text"))
        elif m == "Network.requestWillBeSent":
            u = p["request"]["url"]
            if u != url:
                requests.append(u)
    h = min(max(int(dom["height"]), 600), 6000)
    page.call("Emulation.setDeviceMetricsOverride", width=1000, height=h,
              deviceScaleFactor=1, mobile=False)
    shot = page.call("Page.captureScreenshot", format="png")
    page.call("Emulation.clearDeviceMetricsOverride")
    png = os.path.join(outdir, os.path.basename(path)[:-5] + ".png")
    with open(png, "wb") as f:
        f.write(base64.b64decode(shot["data"]))
    bad = []
    if errors:
        bad.append("console errors: %s" % errors[:3])
    if requests:
        bad.append("network requests: %s" % requests[:3])
    if dom["active"] or dom["on"]:
        bad.append("%d active elements, %d on* attributes" % (dom["active"], dom["on"]))
    if dom["ladders"] != expect["ladders"] or dom["stops"] != expect["ladders"]:
        bad.append("ladders %d (stops %d), expected %d" % (dom["ladders"], dom["stops"], expect["ladders"]))
    if dom["arrows"] != expect["arrows"] or expect["arrows"] == 0:
        bad.append("arrows %d, expected %d" % (dom["arrows"], expect["arrows"]))
    if expect.get("finding") and (not dom["finding"] or expect["finding"] not in dom["finding"]):
        bad.append("first finding %r not in the DOM (%r)" % (expect["finding"], dom["finding"]))
    if expect.get("verdict") and not expect.get("fleet") and dom["verdict"] != expect["verdict"]:
        bad.append("verdict %r, expected %r" % (dom["verdict"], expect["verdict"]))
    for t in expect.get("text", []):
        if t not in dom["text"]:
            bad.append("text %r not shown" % t)
    if os.path.getsize(png) < 2000:
        bad.append("screenshot too small")
    return bad, dom


def main():
    outdir = sys.argv[1]
    pages = sys.argv[2:]
    os.makedirs(outdir, exist_ok=True)
    profile = tempfile.mkdtemp(prefix="rdpneg-chromium.")
    proc = None
    n = int(os.environ.get("TAP_START", "0"))  # numbering after the caller's
    first = n
    failed = 0
    try:
        proc, ws_url = start_browser(profile)
        page = Page(ws_url)
        for d in ("Page", "Runtime", "Network", "Log"):
            page.call(d + ".enable")
        for spec in pages:
            path, _, exp = spec.partition(":")
            expect = json.load(open(exp or path[:-5] + ".expect.json"))
            n += 1
            try:
                bad, dom = check(page, path, expect, outdir)
            except Exception as e:  # a page that hangs the browser fails, the rest go on
                bad, dom = ["%s: %s" % (type(e).__name__, e)], {}
            name = os.path.basename(path)
            if bad:
                failed += 1
                print("not ok %d - %s: %s" % (n, name, "; ".join(bad)))
            else:
                print("ok %d - %s: %d ladder(s), %d arrows, first finding %s, no console "
                      "error, no request" % (n, name, dom["ladders"], dom["arrows"],
                                             expect.get("finding")))
    finally:
        if proc:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(profile, ignore_errors=True)
    if not os.environ.get("TAP_START"):
        print("1..%d" % n)
    return 1 if failed or n == first else 0


if __name__ == "__main__":
    sys.exit(main())
