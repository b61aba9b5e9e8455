#!/usr/bin/python3
"""`migflow report BASE ALT [ALT2]`: the briefing page in headless Chromium.

Usage: test_report.py MIGFLOW_BINARY SCENARIO_YAML [SCREENSHOT.png]

In a temporary directory of its own: runs the small world (3 replicates)
as the baseline, an alternative that extends it (its own events: a
closure and more unrest; 3 replicates, another seed) and the alternative
as a single run, and builds brief.html from them. Checks:
- the page is self-contained: a Content-Security-Policy meta forbidding
  every fetch, no script, no http(s) reference, figures as inline SVG;
- its headline numbers (data attributes of each indicator's row) equal
  `migflow compare --json`'s, and their text `migflow compare`'s table;
- it holds both scenarios' descriptions and events, the inherited ones
  marked, and the runs' files;
- Chromium (Debian's chromium, headless) renders it (a screenshot, kept
  at SCREENSHOT.png when given, to look at) with no console message and
  no network request from the page (its net log); two altered copies of
  the page, one fetching an image, one without the policy, show that both
  checks see what they look for;
- runs under a small posterior of a calibrated variant with targets: the
  intervals said to be posterior intervals, the calibration fit holds the
  baseline's targets (its target_* variables);
- the command line: an existing page refused (exit 1) unless --force, a
  bad command line exit 2, a missing run or an unwritable output exit 3
  with one line, and no temporary file left behind.
Needs Debian's chromium and python3-h5py.
"""
import json
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser

from checks import Checks
import runs

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DAYS = 120


class Page(HTMLParser):
    """The rows of the headline tables, the tags and the references."""

    def __init__(self):
        super().__init__()
        self.tables = []      # (attributes of the table, [attributes of a row, cell texts])
        self.tags = set()
        self.references = []  # src and href values
        self.csp = None
        self.svgs = 0
        self._row = None
        self._cell = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.add(tag)
        self.references += [attrs[k] for k in ("src", "href") if k in attrs]
        if tag == "meta" and attrs.get("http-equiv", "").lower() == "content-security-policy":
            self.csp = attrs.get("content")
        if tag == "svg":
            self.svgs += 1
        if tag == "table" and "headline" in attrs.get("class", ""):
            self.tables.append((attrs, []))
        if tag == "tr" and "data-indicator" in attrs and self.tables:
            self._row = (attrs, [])
            self.tables[-1][1].append(self._row)
        if tag == "td" and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "td" and self._cell is not None:
            self._row[1].append("".join(self._cell))
            self._cell = None
        if tag == "tr":
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def migflow(binary, *args, expect=0):
    return runs.run([binary, *args], expect)


def chromium(page, workdir, name, screenshot=None):
    """Opens page headless; returns the console lines of its log and the
    URLs the page itself asked the network for (its net log)."""
    net_log = os.path.join(workdir, f"{name}.netlog.json")
    args = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
            f"--user-data-dir={os.path.join(workdir, name + '.profile')}", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-extensions", "--enable-logging=stderr", "--v=0",
            f"--log-net-log={net_log}", "--window-size=1280,2400"]
    args += [f"--screenshot={screenshot}"] if screenshot else ["--dump-dom"]
    result = subprocess.run(args + ["file://" + os.path.abspath(page)], capture_output=True,
                            text=True, timeout=120, cwd=workdir)
    console = [line for line in result.stderr.splitlines() if ":CONSOLE" in line]
    with open(net_log, encoding="utf-8") as file:
        log = json.load(file)
    # Chromium's own traffic (updates, accounts) is not the page's: the
    # page's requests are keyed to its file:// origin.
    fetched = {event["params"]["url"] for event in log["events"]
               if "url" in event.get("params", {})
               and event["params"].get("network_isolation_key", "").startswith("file://")
               and not event["params"]["url"].startswith(("file:", "data:"))}
    return result, console, fetched


def compare_table(binary, base, alt):
    """Label -> (base, alt, difference, interval) as `migflow compare` prints them."""
    rows = {}
    for line in migflow(binary, "compare", base, alt).stdout.splitlines():
        match = re.match(r"  (\S.*?)\s{2,}(\S+)\s+(\S+)\s+(\S+)\s+(\[.*\]|n/a)$", line)
        if match and match.group(1) != "indicator":
            rows[match.group(1)] = match.groups()[1:]
    return rows


def check_headline(checks, binary, page, base, alt, label):
    expected = json.loads(open(migflow_json(binary, base, alt), encoding="utf-8").read())
    printed = compare_table(binary, base, alt)
    tables = [t for t in page.tables if t[0].get("data-run") == alt]
    checks.check(len(tables) == 1, f"{label}: one headline table", len(tables))
    if not tables:
        return
    attrs, rows = tables[0]
    checks.check(attrs.get("data-under-posterior") ==
                 ("true" if expected["under_posterior"] else "false"),
                 f"{label}: under_posterior as compare says", attrs)
    by_name = {row[0]["data-indicator"]: row for row in rows}
    checks.check([row[0]["data-indicator"] for row in rows] ==
                 [i["name"] for i in expected["indicators"]],
                 f"{label}: the nine indicators of compare, in order", list(by_name))
    for indicator in expected["indicators"]:
        row = by_name.get(indicator["name"])
        if row is None:
            continue
        values = {key: float(row[0][f"data-{key}"]) if f"data-{key}" in row[0] else None
                  for key in ("base", "alt", "difference", "p05", "p95")}
        want = {key: indicator[key] for key in values}
        checks.check(values == want, f"{label}: {indicator['name']} equals compare --json",
                     f"page {values}, compare {want}")
        cells = row[1]
        shown = printed.get(indicator["label"])
        interval = f"[{cells[4].replace(' to ', ', ')}]" if cells[4] != "n/a" else "n/a"
        checks.check(shown is not None and cells[0] == indicator["label"] and
                     tuple(cells[1:4]) == shown[:3] and interval == shown[3],
                     f"{label}: {indicator['name']} printed as compare prints it",
                     f"page {cells}, compare {shown}")


def migflow_json(binary, base, alt):
    path = f"{os.path.basename(base)}-{os.path.basename(alt)}.json"
    migflow(binary, "compare", base, alt, "--json", path)
    return path


FIT = """\
# fit: the small world with targets and one free parameter.
name: small-fit
description: The small world calibrated to three synthetic targets.
extends: {scenario}
targets: targets.yaml
calibrate:
  - {{name: retry, set: parameters.retry_after_interception, min: 0.1, max: 0.9, start: 0.5}}
"""

FIT_TARGETS = """\
targets:
  - {name: passes, quantity: monitor_passes, from: 2024-01-15, to: 2024-03-30, observed: 50000,
     source: synthetic (the test), tolerance: 0.05}
  - {name: expelled, quantity: expulsions, from: 2024-01-15, to: 2024-03-30, observed: 2500,
     source: synthetic, tolerance: 0.1}
  - {name: arrived, quantity: destination_arrivals, from: 2024-01-15, to: 2024-03-30,
     observed: 900, source: synthetic, tolerance: 0.1}
"""

FIT_ALT = """\
name: small-fit-closure
description: The calibrated small world with the road to the coast closed from 20 March.
extends: fit.yaml
events:
  - {date: 2024-03-20, kind: closure, link: [work, coast]}
"""


def check_posterior(checks, binary, scenario, workdir, keep):
    """Runs under a small posterior, with targets: posterior intervals and
    the calibration fit."""
    import h5py
    for name, text in (("fit.yaml", FIT.format(scenario=scenario)),
                       ("targets.yaml", FIT_TARGETS), ("fitalt.yaml", FIT_ALT)):
        with open(name, "w", encoding="utf-8") as file:
            file.write(text)
    migflow(binary, "posterior", "fit.yaml", "-o", "post.h5", "--particles", "20", "--budget",
            "60", "--predictive", "0", "--seed", "3", "--quiet")
    for yaml, out in (("fit.yaml", "fbase.h5"), ("fitalt.yaml", "falt.h5")):
        migflow(binary, "run", yaml, "--posterior", "post.h5", "--draws", "3", "--seed", "5",
                "-o", out, "--quiet")
    migflow(binary, "report", "fbase.h5", "falt.h5", "-o", "posterior.html")
    html = open("posterior.html", encoding="utf-8").read()
    page = Page()
    page.feed(html)
    check_headline(checks, binary, page, "fbase.h5", "falt.h5", "posterior")
    checks.check("data-under-posterior='true'" in html and "Posterior intervals" in html,
                 "runs under a posterior: posterior intervals said", "")
    with h5py.File("fbase.h5", "r") as file:
        names = [runs.text(n) for n in file["target"][()]]
        observed = file["target_observed"][()]
        simulated = file["target_simulated"][()]
    rows = re.findall(r"<tr data-target='([^']*)'><td>[^<]*</td><td class='t w'>[^<]*</td>"
                      r"<td>([^<]*)</td><td>([^<]*)</td>", html)
    want = [(n, f"{round(o):,}", f"{round(v):,}") for n, o, v in zip(names, observed, simulated)]
    checks.check(rows == want and len(rows) == 3,
                 "the calibration fit: the baseline's targets, observed and simulated", rows)
    shot = os.path.join(workdir, "posterior.png")
    result, console, fetched = chromium("posterior.html", workdir, "posterior", screenshot=shot)
    checks.check(result.returncode == 0 and not console and not fetched,
                 "the page under a posterior renders, no console message, no request",
                 (console, fetched))
    if keep:
        shutil.copyfile(shot, keep.replace(".png", "-posterior.png"))


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    binary, scenario = os.path.abspath(argv[1]), os.path.abspath(argv[2])
    keep = os.path.abspath(argv[3]) if len(argv) > 3 else None
    if not os.access(CHROMIUM, os.X_OK):
        sys.exit("test_report: no chromium: install Debian's chromium (scripts/setup.sh --tests)")
    checks = Checks()
    with checks.in_workdir("report") as workdir:
        with open("alt.yaml", "w", encoding="utf-8") as file:
            file.write("# alt: the road to the coast closes for three weeks, and unrest grows.\n"
                       "#\n# Story. A test alternative of the small world.\n"
                       "name: small-alt\n"
                       "description: The small world with the road to the coast closed.\n"
                       f"extends: {scenario}\n"
                       "events:\n"
                       "  - {date: 2024-03-20, kind: closure, link: [work, coast]}\n"
                       "  - {date: 2024-04-10, kind: reopen, link: [work, coast]}\n"
                       "  - {date: 2024-03-10, kind: security, where: unrest, level: 0.0,"
                       " ramp_days: 5}\n")
        common = ["--days", str(DAYS), "--quiet"]
        migflow(binary, "run", scenario, "-o", "base.h5", "--replicates", "3", *common)
        migflow(binary, "run", "alt.yaml", "-o", "alt.h5", "--replicates", "3", "--seed", "43",
                *common)
        migflow(binary, "run", "alt.yaml", "-o", "single.h5", *common)

        migflow(binary, "report", "base.h5", "alt.h5", "single.h5", "-o", "brief.html")
        html = open("brief.html", encoding="utf-8").read()
        page = Page()
        page.feed(html)
        checks.check(page.csp == "default-src 'none'; img-src data:; style-src 'unsafe-inline'",
                     "a strict Content-Security-Policy",
                     page.csp)
        checks.check(not page.tags & {"script", "link", "img", "iframe", "object", "embed"},
                     "no script, link, img, iframe or object",
                     page.tags)
        checks.check(not re.search(r"https?://", html) and
                     all(not r.startswith(("http", "//")) for r in page.references), "no http(s) reference",
                     page.references)
        checks.check(page.svgs >= 2 + 9 + 2,
                     "figures as inline SVG (timelines, 9 series, 2 maps, no calibration)", page.svgs)
        check_headline(checks, binary, page, "base.h5", "alt.h5", "alt")
        check_headline(checks, binary, page, "base.h5", "single.h5", "single")
        for text in ("Small test world with every mechanism switched on.",
                     "The small world with the road to the coast closed.",
                     "Story. A test alternative of the small world.",
                     "2024-03-20 <b>closure</b> link: [work, coast]",
                     "(as in the baseline)", "base.h5", "alt.h5", "single.h5"):
            checks.check(text in html, f"the page says {text!r}", text)

        shot = os.path.join(workdir, "brief.png")
        result, console, fetched = chromium("brief.html", workdir, "brief", screenshot=shot)
        checks.check(result.returncode == 0 and
                     os.path.getsize(shot) > 20000, "chromium renders the page", result.stderr[-2000:])
        with open(shot, "rb") as file:
            header = file.read(24)
        checks.check(header[:8] == b"\x89PNG\r\n\x1a\n"
                     and int.from_bytes(header[16:20], "big") == 1280, "the screenshot is a 1280-pixel-wide PNG", header)
        if keep:
            shutil.copyfile(shot, keep)
        checks.check(not console, "no console message", console)
        checks.check(not fetched, "no network request from the page", fetched)
        result, _, _ = chromium("brief.html", workdir, "dom")
        checks.check(result.stdout.count("data-indicator=") == 18,
                     "the rendered DOM holds the headline rows", len(result.stdout))
        # The checks above see what they look for.
        fetching = html.replace("<h1>", "<img src='http://127.0.0.1:9/x.png'><h1>", 1)
        with open("fetching.html", "w", encoding="utf-8") as file:
            file.write(fetching)
        _, console, fetched = chromium("fetching.html", workdir, "fetching")
        checks.check(any("Content Security Policy" in line for line in console) and not fetched,
                     "control: a fetch the policy blocks is a console message",
                     (console, fetched))
        with open("open.html", "w", encoding="utf-8") as file:
            file.write(re.sub(r"<meta http-equiv='Content-Security-Policy'[^>]*>", "", fetching))
        _, _, fetched = chromium("open.html", workdir, "open")
        checks.check("http://127.0.0.1:9/x.png" in fetched,
                     "control: without the policy the fetch is in the net log", fetched)

        check_posterior(checks, binary, scenario, workdir, keep)

        before = open("brief.html", "rb").read()
        refused = migflow(binary, "report", "base.h5", "alt.h5", "-o", "brief.html", expect=1)
        checks.check(refused.stderr.count("\n") == 1 and "exists" in refused.stderr and
                     open("brief.html", "rb").read() == before,
                     "an existing page is refused, in one line", refused.stderr)
        migflow(binary, "report", "base.h5", "alt.h5", "-o", "brief.html", "--force")
        checks.check(open("brief.html", "rb").read() != before, "--force replaces it", "")
        usage = migflow(binary, "report", "base.h5", "-o", "x.html", expect=2)
        checks.check("baseline and at least one" in usage.stderr, "one run is a usage error",
                     usage.stderr)
        missing = migflow(binary, "report", "base.h5", "missing.h5", "-o", "x.html", expect=3)
        checks.check(missing.stderr.count("\n") == 1 and "missing.h5" in missing.stderr,
                     "a missing run: one line, exit 3",
                     missing.stderr)
        unwritable = migflow(binary, "report", "base.h5", "alt.h5", "-o", "no/such/dir.html",
                             expect=3)
        checks.check(unwritable.stderr.startswith("migflow: error: cannot write no/such/dir.html")
                     and unwritable.stderr.count("\n") == 1,
                     "an unwritable output: one line, exit 3", unwritable.stderr)
        window = migflow(binary, "report", "base.h5", "alt.h5", "-o", "w.html", "--from",
                         "2023-01-01", expect=1)
        checks.check("covers" in window.stderr, "a window outside the runs is refused",
                     window.stderr)
        checks.check(not [f for f in os.listdir(".") if "partial" in f]
                     and not os.path.exists("x.html") and not os.path.exists("w.html"), "nothing left behind",
                     os.listdir("."))
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
