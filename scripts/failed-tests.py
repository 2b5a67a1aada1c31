#!/usr/bin/env python3
"""Prints each failed test of the TRX logs under a folder (name, message, first lines of the stack), as scripts/test.sh's
last words, so that a CI keeping only the tail of the output still shows what failed. Ends with the free disk space
where the tests write: a full disk fails many unrelated tests at once and truncates the TRX log itself.

Usage: python3 scripts/failed-tests.py RESULTS_DIR
"""
import glob
import html
import os
import re
import shutil
import sys
import tempfile
import xml.etree.ElementTree as ET

NS = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
LOW_DISK_BYTES = 4 << 30


def parse(path):
    """(name, message, stack lines) of each failed test; a truncated log still yields the names it holds."""
    try:
        results = ET.parse(path).getroot().iterfind(".//t:UnitTestResult", NS)
    except ET.ParseError as e:
        print(f"\nxray: the TRX log {path} is incomplete ({e}); failed tests found in what was written:")
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        found = []
        for tag in re.finditer(r"<UnitTestResult\b[^>]*>", text):
            attrs = dict(re.findall(r'(\w+)="([^"]*)"', tag.group(0)))
            if attrs.get("outcome") == "Failed":
                found.append((html.unescape(attrs.get("testName", "?")), "", []))
        return found
    failed = []
    for r in results:
        if r.get("outcome") != "Failed":
            continue
        msg = r.findtext("t:Output/t:ErrorInfo/t:Message", "", NS).strip()
        stack = r.findtext("t:Output/t:ErrorInfo/t:StackTrace", "", NS).strip().splitlines()
        failed.append((r.get("testName"), msg, stack[:4]))
    return failed


def disk_report(folders):
    seen = set()
    for folder in folders:
        try:
            usage = shutil.disk_usage(folder)
        except OSError:
            continue
        key = (usage.total, usage.used)
        if key in seen:
            continue
        seen.add(key)
        gb = usage.free / (1 << 30)
        warn = "  <-- LOW: tests that write scans fail with 'No space left on device'" if usage.free < LOW_DISK_BYTES else ""
        print(f"free disk at {folder}: {gb:.1f} GB{warn}")


def main():
    root = sys.argv[1]
    failed = []
    for path in sorted(glob.glob(os.path.join(root, "**", "*.trx"), recursive=True)):
        failed.extend(parse(path))
    print(f"\n==== {len(failed)} failed test(s) ====")
    for name, msg, stack in failed:
        print(f"FAILED {name}")
        lines = msg.splitlines()
        # NUnit puts the sample first and the reason last: keep both ends of a long message.
        shown = lines if len(lines) <= 24 else lines[:8] + [f"... ({len(lines) - 16} lines) ..."] + lines[-8:]
        for line in shown:
            print(f"    {line}")
        for line in stack:
            print(f"    {line.strip()}")
    disk_report([os.getcwd(), tempfile.gettempdir(), root])


if __name__ == "__main__":
    main()
