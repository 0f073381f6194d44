#!/usr/bin/env python3
"""A Standard Webhooks receiver for tamwatch's end-to-end tests and benchmarks.

Every request is checked twice, independently of tamwatch's own code: by the reference
library (PyPI `standardwebhooks`) and by a few lines of stdlib `hmac`. Each request is logged
as one JSON line. The answers follow a plan, so tests can stage outages:

    --plan "503,429:1,drop,slow:300,400"   answers for requests 1, 2, 3 ... in order
    --then 200                              the answer once the plan is used up
    --mode-file PATH                        if the file exists, its content is the answer (a switch
                                            a test can flip while tamwatch runs)

Answers: a status (`200`, `503`), `CODE=BODY` (a status with a text body, as Slack answers:
`404=channel_not_found`), `429:S` (429 with Retry-After: S), `drop` (close the connection
without a response), `slow:MS` (wait, then 200). Without `--secret`, signatures are not checked
(chat providers' webhooks are not signed).

The first line on stdout is the port. HTTP/1.1 with keep-alive.
"""
import argparse
import base64
import hashlib
import hmac
import json
import os
import signal
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


def stdlib_verify(secret: str, headers, body: bytes) -> bool:
    """The whole Standard Webhooks check in the stdlib: HMAC-SHA256 over id.timestamp.body."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    given = [s.split(",", 1)[1] for s in headers.get("webhook-signature", "").split(" ") if s.startswith("v1,")]
    return any(hmac.compare_digest(expected, g) for g in given) and abs(time.time() - int(headers["webhook-timestamp"])) <= 300


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--secret")
    parser.add_argument("--log", required=True)
    parser.add_argument("--plan", default="")
    parser.add_argument("--then", default="200")
    parser.add_argument("--mode-file")
    parser.add_argument("--quiet", action="store_true", help="count only, no per-request verification log")
    args = parser.parse_args()
    # A parent that ignores SIGTERM passes that on; this receiver must stop when told.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)

    plan = [p for p in args.plan.split(",") if p]
    lock = threading.Lock()
    counter = [0]
    log = open(args.log, "a", buffering=1)
    library = Webhook(args.secret) if args.secret else None

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):  # keep stderr quiet
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            with lock:
                counter[0] += 1
                n = counter[0]
            answer = plan[n - 1] if n <= len(plan) else args.then
            if args.mode_file and os.path.exists(args.mode_file):
                with open(args.mode_file) as f:
                    answer = f.read().strip() or answer
            headers = {k.lower(): v for k, v in self.headers.items()}
            entry = {"n": n, "id": headers.get("webhook-id"), "timestamp": headers.get("webhook-timestamp"),
                     "answer": answer, "path": self.path, "at": time.time()}
            if not args.quiet and library is not None:
                try:
                    library.verify(body, headers)
                    entry["library_ok"] = True
                except (WebhookVerificationError, ValueError, KeyError) as e:
                    entry["library_ok"] = False
                    entry["library_error"] = str(e)
                try:
                    entry["stdlib_ok"] = stdlib_verify(args.secret, headers, body)
                except (KeyError, ValueError):
                    entry["stdlib_ok"] = False
            if not args.quiet:
                entry["body"] = body.decode("utf-8", "replace")
                try:
                    event = json.loads(body)
                    entry["type"] = event.get("type")
                    entry["event_id"] = event.get("id")
                except ValueError:
                    entry["type"] = None
                entry["headers"] = {k: v for k, v in headers.items() if not k.startswith("webhook-signature")}
            with lock:
                log.write(json.dumps(entry) + "\n")
                # A line on stdout for each one logged: the tests wait on it instead of polling.
                print("logged", flush=True)

            if answer == "drop":
                self.close_connection = True
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                return
            status, extra, text = 200, {}, b""
            if "=" in answer:
                code, _, reply = answer.partition("=")
                status, text = int(code), reply.encode()
            elif answer.startswith("slow:"):
                time.sleep(int(answer.split(":", 1)[1]) / 1000)
            elif answer.startswith("429:"):
                status, extra = 429, {"Retry-After": answer.split(":", 1)[1]}
            else:
                status = int(answer)
            self.send_response(status)
            for k, v in extra.items():
                self.send_header(k, v)
            self.send_header("content-length", str(len(text)))
            self.end_headers()
            self.wfile.write(text)

    ThreadingHTTPServer.daemon_threads = True
    ThreadingHTTPServer.request_queue_size = 128
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
