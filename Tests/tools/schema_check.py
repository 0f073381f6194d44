"""Validates what people copy from the docs against tamwatch's own JSON Schemas, with Python's
jsonschema (Draft 2020-12), an implementation independent of tamwatch:

- every tamwatch configuration in README.md and docs/ (a ```yaml block whose top-level keys
  are configuration sections), and the shipped example files, against `tamwatch schema config`;
- every event shown in them (a JSON object with `occurred_at`, in a ```json block or one per
  line), and every event in the given NDJSON files (a real watch's output), against
  `tamwatch schema event`.

YAML is read as YAML 1.2 reads booleans (only true and false), as tamwatch and editors do: a
rule's `on` is a key, not a boolean.

Prints one JSON object (what was checked, and every problem found); exits 1 on a problem.
"""
import argparse
import glob
import json
import os
import re
import sys

import jsonschema
import yaml

SECTIONS = {"api", "state", "watch", "templates", "channels", "rules", "serve", "results", "guard"}


class Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2's booleans."""


Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


def validator(path):
    with open(path, encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def problems(v, document, where):
    return [f"{where}: {'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}" for e in v.iter_errors(document)]


def events_in(text):
    """Events shown in Markdown: ```json blocks holding one, and lines holding one each."""
    found = []
    for lang, block in re.findall(r"```([a-z]*)\n(.*?)```", text, re.S):
        candidates = [block] if lang == "json" else []
        candidates += [line for line in block.split("\n") if line.lstrip().startswith("{")]
        for candidate in candidates:
            try:
                value = json.loads(candidate)
            except ValueError:
                continue
            if isinstance(value, dict) and "occurred_at" in value and value not in found:
                found.append(value)
    return found


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", required=True)
    parser.add_argument("--config-schema", required=True)
    parser.add_argument("--event-schema", required=True)
    parser.add_argument("--events", nargs="*", default=[], help="NDJSON files of events")
    args = parser.parse_args()
    config, event = validator(args.config_schema), validator(args.event_schema)
    report = {"configs": [], "events": 0, "event_types": [], "problems": []}

    docs = ["README.md"] + sorted(
        os.path.relpath(p, args.root) for p in glob.glob(os.path.join(args.root, "docs", "**", "*.md"), recursive=True))
    for name in ["config/tamwatch.yaml", "config/packaging/tamwatch.yaml"]:
        with open(os.path.join(args.root, name), encoding="utf-8") as f:
            report["problems"] += problems(config, yaml.load(f, Loader=Loader), name)
        report["configs"].append(name)
    types = set()
    for name in docs:
        with open(os.path.join(args.root, name), encoding="utf-8") as f:
            text = f.read()
        for index, block in enumerate(re.findall(r"```yaml\n(.*?)```", text, re.S)):
            document = yaml.load(block, Loader=Loader)
            if isinstance(document, dict) and document and set(document) <= SECTIONS:
                report["problems"] += problems(config, document, f"{name}, YAML block {index + 1}")
                report["configs"].append(f"{name}#{index + 1}")
        for index, value in enumerate(events_in(text)):
            report["problems"] += problems(event, value, f"{name}, event {index + 1} ({value.get('type')})")
            report["events"] += 1
            types.add(value.get("type"))
    for path in args.events:
        with open(path, encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                if line.strip():
                    value = json.loads(line)
                    report["problems"] += problems(event, value, f"{os.path.basename(path)}:{number} ({value.get('type')})")
                    report["events"] += 1
                    types.add(value.get("type"))
    report["event_types"] = sorted(t for t in types if t)
    json.dump(report, sys.stdout)
    sys.stdout.write("\n")
    return 1 if report["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
