#!/usr/bin/env python3
"""Peak RSS of `conform run` against a server that answers every request with a 50 MB JSON body
(DESIGN: < 200 MB at concurrency 16). Starts the server on 127.0.0.1:0, runs the given conform
binary under /usr/bin/time -v, prints the figures, stops the server. Bounded: the run has
--cases 5 and a per-request --timeout; the server streams at most 50 MB per answer.

    python3 benches/hostile_50mb.py target/release/conform [CONCURRENCY]
    CLOSE_DELIMITED=1 python3 benches/hostile_50mb.py ...   # HTTP/1.0, no Content-Length
"""
import json, os, socketserver, subprocess, sys, tempfile, threading
from http.server import BaseHTTPRequestHandler

FIFTY_MB = 50 * 1024 * 1024
CLOSE_DELIMITED = os.environ.get("CLOSE_DELIMITED") == "1"
CHUNK = b"[" + b"1234567," * (64 * 1024 // 8)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0" if CLOSE_DELIMITED else "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(min(length, 1 << 20))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        if not CLOSE_DELIMITED:
            self.send_header("Content-Length", str(FIFTY_MB))
        self.end_headers()
        sent = 0
        try:
            while sent < FIFTY_MB:
                part = CHUNK[: FIFTY_MB - sent]
                self.wfile.write(part)
                sent += len(part)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = answer


class Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


def spec():
    ok = {"description": "ok", "content": {"application/json": {"schema": {"type": "array", "items": {"type": "integer"}}}}}
    paths = {}
    for i in range(4):
        paths[f"/things{i}/{{id}}"] = {"get": {"operationId": f"getThing{i}", "parameters": [
            {"name": "id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}],
            "responses": {"200": ok}}}
    return {"openapi": "3.0.3", "info": {"title": "fifty", "version": "1"}, "paths": paths}


def main():
    binary = sys.argv[1]
    concurrency = sys.argv[2] if len(sys.argv) > 2 else "16"
    server = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "fifty.json")
        with open(path, "w") as f:
            json.dump(spec(), f)
        cmd = ["/usr/bin/time", "-v", binary, "run", "--spec", path, "--target", f"http://127.0.0.1:{port}",
               "--seed", "1", "--cases", "5", "--timeout", "2", "--concurrency", concurrency,
               "--no-snapshots", "--format", "json"]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    server.shutdown()
    rss = next((l.split(":")[1].strip() for l in done.stderr.splitlines() if "Maximum resident" in l), "?")
    wall = next((l.split("):")[1].strip() for l in done.stderr.splitlines() if "Elapsed (wall" in l), "?")
    try:
        report = json.loads(done.stdout)
        stats = report["stats"]
        checks = sorted({f["check"] for f in report["failures"]})
        print(f"requests {stats['requests']}, findings {stats['failures']} {checks}, exit {done.returncode}")
    except (ValueError, KeyError):
        print(done.stderr[-2000:])
    kind = "close-delimited" if CLOSE_DELIMITED else "Content-Length"
    print(f"peak RSS {int(rss) / 1024:.1f} MB, wall {wall}, concurrency {concurrency}, {kind}" if rss != "?" else "no figure")


if __name__ == "__main__":
    main()
