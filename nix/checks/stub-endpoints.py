"""Loopback stand-ins for the Telegram Bot API (:8080) and an OpenAI-compatible LLM (:8081)."""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Telegram(BaseHTTPRequestHandler):
    def do_POST(self):
        method = self.path.rsplit("/", 1)[-1]
        result = {"id": 42, "is_bot": True, "first_name": "voxnix", "username": "voxnix_bot"} if method == "getMe" else []
        self._send({"ok": True, "result": result})

    do_GET = do_POST

    def _send(self, body):
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class Llm(Telegram):
    def do_POST(self):
        self._send({
            "id": "stub", "object": "chat.completion", "created": 0, "model": "stub",
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "ok"}}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        })


servers = [ThreadingHTTPServer(("127.0.0.1", 8080), Telegram), ThreadingHTTPServer(("127.0.0.1", 8081), Llm)]
for server in servers[1:]:
    threading.Thread(target=server.serve_forever, daemon=True).start()
servers[0].serve_forever()
