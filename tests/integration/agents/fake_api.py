"""What the scripted fake model APIs (fake_anthropic.py, fake_openai.py) share: their command line
(PORTFILE LOGFILE SCRIPT.json), ids, the HTTP handler's plumbing (every request logged as one JSON line to LOGFILE,
JSON replies, server-sent events) and the server (127.0.0.1, an ephemeral port written to PORTFILE once
listening). Copied next to the fakes into the sandboxed project, so only the standard library."""
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
_COUNTER = [0]


def args():
    """PORTFILE, LOGFILE and the parsed SCRIPT.json of the command line."""
    return sys.argv[1], sys.argv[2], json.load(open(sys.argv[3]))


def next_id(prefix):
    with LOCK:
        _COUNTER[0] += 1
        return "%s_%06d" % (prefix, _COUNTER[0])


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    logfile = None  # set by serve

    def log_message(self, *a):
        pass

    def log(self, entry):
        with LOCK, open(self.logfile, "a") as f:
            f.write(json.dumps(entry) + "\n")

    def read_json(self, invalid):
        """The request's JSON body (invalid(raw) when it is not JSON), logged as {"path", "body"}."""
        n = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(n) if n else b""
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = invalid(raw)
        self.log({"path": self.path, "body": body})
        return body

    def send_json(self, code, obj):
        data = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def start_events(self):
        """A 200 streaming server-sent events (event), closed by end_events."""
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("cache-control", "no-cache")
        self.send_header("connection", "close")
        self.end_headers()

    def event(self, kind, data):
        data["type"] = kind
        self.wfile.write(("event: %s\ndata: %s\n\n" % (kind, json.dumps(data))).encode())

    def end_events(self):
        self.wfile.flush()
        self.close_connection = True


def serve(handler, portfile, logfile):
    """Serves handler (a Handler) forever on 127.0.0.1, its port written to portfile once listening."""
    handler.logfile = logfile
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    with open(portfile + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(portfile + ".tmp", portfile)  # atomically: a reader never sees half a port
    server.serve_forever()
