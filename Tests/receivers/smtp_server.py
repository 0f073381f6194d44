#!/usr/bin/env python3
"""A real SMTP server (aiosmtpd) for tamwatch's email tests, on a free loopback port.

    --mode plain | starttls | smtps      TLS: a certificate made with openssl in --tls-dir
    --user U --password P                AUTH (LOGIN, PLAIN) required; others get 535
    --rcpt-plan "451,250"                replies to RCPT TO in order, then 250
    --data-reply 554                     reply to DATA's end instead of 250

Each message received is parsed with the email package and logged as one JSON line: the
envelope, the decoded subject, the headers present, the MIME parts in order, the texts, the
attachments (each saved decoded beside the log), and whether lines ended in CRLF. The first line on stdout is the port.
"""
import argparse
import email
import email.policy
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_certificate(folder: str):
    cert, key = os.path.join(folder, "cert.pem"), os.path.join(folder, "key.pem")
    if not os.path.exists(cert):
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                        "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                       check=True, capture_output=True)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--log", required=True)
    parser.add_argument("--mode", default="plain", choices=["plain", "starttls", "smtps"])
    parser.add_argument("--tls-dir")
    parser.add_argument("--user")
    parser.add_argument("--password")
    parser.add_argument("--rcpt-plan", default="")
    parser.add_argument("--data-reply")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, signal.SIG_DFL)

    plan = [p for p in args.rcpt_plan.split(",") if p]
    lock = threading.Lock()
    log = open(args.log, "a", buffering=1)

    def write(entry):
        with lock:
            log.write(json.dumps(entry) + "\n")

    class Handler:
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            with lock:
                reply = plan.pop(0) if plan else "250"
            write({"event": "rcpt", "address": address, "reply": reply})
            if reply != "250":
                return f"{reply} {'4.3.0 try again later' if reply.startswith('4') else '5.1.1 no such mailbox'}"
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, server, session, envelope):
            raw = envelope.original_content or envelope.content
            msg = email.message_from_bytes(raw, policy=email.policy.default)
            parts = [p.get_content_type() for p in msg.walk()]
            texts = {}
            attachments = []
            for p in msg.walk():
                if p.is_multipart():
                    continue
                if p.get_filename():
                    # Saved decoded beside the log, for the test to compare with the file sent.
                    data = p.get_payload(decode=True)
                    path = f"{args.log}.attachment-{len(attachments) + 1}"
                    with open(path, "wb") as f:
                        f.write(data)
                    attachments.append({"filename": p.get_filename(), "content_type": p.get_content_type(),
                                        "encoding": str(p.get("content-transfer-encoding", "")), "path": path,
                                        "bytes": len(data)})
                else:
                    texts[p.get_content_type()] = p.get_content()
            write({"event": "message", "mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
                   "subject": str(msg["subject"]), "raw_subject": msg.get("subject", failobj="") and
                   raw.split(b"\r\nSubject: ", 1)[-1].split(b"\r\n", 1)[0].decode("ascii", "replace"),
                   "headers": sorted(set(k.lower() for k in msg.keys())), "message_id": msg["message-id"],
                   "to": msg["to"], "from": msg["from"], "parts": parts, "texts": texts, "attachments": attachments,
                   "crlf": b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b""),
                   "header_lines": [line.decode("utf-8", "replace") for line in raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n")],
                   "tls": session.ssl is not None, "authenticated": bool(session.authenticated)})
            if args.data_reply:
                return f"{args.data_reply} 5.6.0 message refused"
            return "250 Message accepted for delivery"

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = args.user is not None and auth_data.login.decode() == args.user and auth_data.password.decode() == args.password
        write({"event": "auth", "mechanism": mechanism, "ok": ok})
        # handled=False: aiosmtpd answers 535 itself (with the default handled=True it says nothing).
        return AuthResult(success=ok, handled=False)

    options = {}
    if args.user:
        options.update(authenticator=authenticator, auth_required=True)
    context = make_certificate(args.tls_dir) if args.mode != "plain" else None
    if args.mode == "starttls":
        options.update(tls_context=context, require_starttls=True)
    if args.mode == "smtps":
        options.update(ssl_context=context, auth_require_tls=False)
    if args.mode == "plain":
        options.update(auth_require_tls=False)

    port = free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port, **options)
    controller.start()
    print(port, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        controller.stop()


if __name__ == "__main__":
    sys.exit(main())
