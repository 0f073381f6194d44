"""Reads a CSV file with Python's csv module (RFC 4180, newline='') and writes its rows, header
included, as one JSON array of arrays: what an independent reader makes of tamwatch's CSV."""
import csv
import json
import sys

with open(sys.argv[1], newline="", encoding="utf-8") as f:
    rows = list(csv.reader(f, strict=True))
with open(sys.argv[2], "w", encoding="utf-8") as out:
    json.dump(rows, out)
