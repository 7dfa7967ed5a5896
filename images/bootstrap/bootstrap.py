"""Stands in for a model service until the first deployment.

As a web service (PORT set): listens on PORT, answers HEALTH_CHECK_PATH with 200 so the service
is stable, and every other request with 503 and a JSON body saying that nothing is deployed. As a
batch job (no PORT, or any argument): prints the same and exits 0, so a scheduled run before the
first deployment is visible in the logs without raising the failed-runs alarm.
"""
import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SERVICE = os.environ.get("SERVICE_NAME", "this service")
ENVIRONMENT = os.environ.get("DEPLOYMENT_ENVIRONMENT", "this environment")
MESSAGE = (
    f"No model is deployed to {SERVICE} in {ENVIRONMENT} yet: it runs the platform's bootstrap image. "
    "Run the deploy-service workflow of the application repository to deploy one."
)
HEALTH_CHECK_PATH = os.environ.get("HEALTH_CHECK_PATH", "/health")


class Handler(BaseHTTPRequestHandler):
    def _answer(self, status: int, body: dict) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def _route(self) -> None:
        if self.path.split("?", 1)[0] == HEALTH_CHECK_PATH:
            self._answer(200, {"status": "bootstrap", "deployed": False})
        else:
            self._answer(503, {"error": "not_deployed", "message": MESSAGE})

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = _route

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        sys.stdout.write("%s %s\n" % (self.address_string(), format % args))


def main() -> int:
    print(MESSAGE)
    if "PORT" not in os.environ or len(sys.argv) > 1:
        return 0
    server = ThreadingHTTPServer(("0.0.0.0", int(os.environ["PORT"])), Handler)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
