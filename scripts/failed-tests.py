#!/usr/bin/env python3
"""Prints each failed test of the TRX logs under a folder (name, message, first lines of the stack), as scripts/test.sh's
last words, so that a CI keeping only the tail of the output still shows what failed.

Usage: python3 scripts/failed-tests.py RESULTS_DIR
"""
import glob
import os
import sys
import xml.etree.ElementTree as ET

NS = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}


def main():
    root = sys.argv[1]
    failed = []
    for path in sorted(glob.glob(os.path.join(root, "**", "*.trx"), recursive=True)):
        for r in ET.parse(path).getroot().iterfind(".//t:UnitTestResult", NS):
            if r.get("outcome") != "Failed":
                continue
            msg = r.findtext("t:Output/t:ErrorInfo/t:Message", "", NS).strip()
            stack = r.findtext("t:Output/t:ErrorInfo/t:StackTrace", "", NS).strip().splitlines()
            failed.append((r.get("testName"), msg, stack[:4]))
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


if __name__ == "__main__":
    main()
