"""Validates an OpenAPI document with openapi-spec-validator and prints its operations, one
"METHOD path" per line, for the Swift test to compare with the server's routes."""
import sys

from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename

spec, _ = read_from_filename(sys.argv[1])
validate(spec)
for path, item in spec["paths"].items():
    for method in ("get", "head", "post", "put", "patch", "delete"):
        if method in item:
            print(method.upper(), path)
