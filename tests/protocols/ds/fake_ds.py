"""A local démarches-simplifiées for the tests: a real HTTP server in a thread that answers the portal's GraphQL
requests by executing them against the platform's public schema (``schema.graphql``, copied from
``/work/shared/ds/``: the interface description of demarche-numerique/demarche.numerique.gouv.fr at e1338d79). So
every answer has the shape DS gives, and a query the schema refuses is answered with DS's validation errors.

Modes imitate what goes wrong: ``down`` (503), ``slow`` (answers after the client's timeout), ``garbage`` (not
JSON). A request without the expected bearer token gets DS's 401.
"""

import json
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from graphql import GraphQLError, build_schema, graphql_sync

SCHEMA_PATH = Path(__file__).with_name("schema.graphql")
SCHEMA = build_schema(SCHEMA_PATH.read_text())


@dataclass
class FakeDs:
    token: str = "jeton-de-test"
    dossiers: dict = field(default_factory=dict)  # number → dict shaped like the schema's Dossier
    mode: str = "schema"
    slow_seconds: float = 3.0
    requests: list = field(default_factory=list)
    url: str = ""

    def add_dossier(self, number: int, *, state: str, deposited_at: str, demarche: int) -> None:
        self.dossiers[number] = {
            "number": number,
            "state": state,
            "dateDepot": deposited_at,
            "demarche": {"number": demarche},
        }

    def _dossier(self, info, number):
        if number not in self.dossiers:
            # What DS answers for a dossier the token cannot read or that does not exist.
            raise GraphQLError("Dossier not found")
        return self.dossiers[number]

    def answer(self, headers, body: bytes) -> tuple[int, bytes]:
        self.requests.append({"headers": dict(headers), "body": body})
        if self.mode == "down":
            return 503, b"<html>Service Unavailable</html>"
        if self.mode == "slow":
            time.sleep(self.slow_seconds)
        if self.mode == "garbage":
            return 200, b"<html>maintenance</html>"
        if headers.get("Authorization") != f"Bearer {self.token}":
            return 401, json.dumps({"errors": [{"message": "Unauthorized"}]}).encode()
        payload = json.loads(body)
        result = graphql_sync(
            SCHEMA,
            payload["query"],
            root_value={"dossier": self._dossier},
            variable_values=payload.get("variables"),
            operation_name=payload.get("operationName"),
        )
        return 200, json.dumps(result.formatted).encode()


@contextmanager
def running_fake_ds():
    fake = FakeDs()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            status, content = fake.answer(self.headers, body)
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout)

        def log_message(self, format, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}/api/v2/graphql"
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
