"""django-ninja answers a wrong HTTP method itself, in plain text, before the API's exception handlers run. The API
promises JSON errors with a stable code: this middleware rewrites that one answer for ``/api/`` paths."""

import json

from django.http import HttpResponse


class ApiMethodNotAllowedMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code == 405
            and request.path.startswith("/api/")
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            body = {
                "code": "method_not_allowed",
                "message": f"La méthode {request.method} n'est pas permise ici.",
                "errors": [],
            }
            rewritten = HttpResponse(json.dumps(body, ensure_ascii=False), status=405, content_type="application/json")
            if response.has_header("Allow"):
                rewritten["Allow"] = response["Allow"]
            return rewritten
        return response
