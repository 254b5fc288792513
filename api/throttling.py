from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from api.models import ApiToken
from core.security import client_ip


class ApiRateThrottle(SimpleRateThrottle):
    """Requests per token (API_TOKEN_RATE_LIMIT), or per client address without one (API_PUBLIC_RATE_LIMIT),
    counted in the shared cache; when the cache does not answer, requests are let through."""

    def get_rate(self):
        # Read on each request, not once at import as DRF does: settings may change (tests, a reload).
        return None

    def allow_request(self, request, view):
        token = request.auth
        if isinstance(token, ApiToken):
            self.rate, self.key = settings.API_TOKEN_RATE_LIMIT, f"api-throttle:token:{token.pk}"
        else:
            self.rate, self.key = settings.API_PUBLIC_RATE_LIMIT, f"api-throttle:address:{client_ip(request)}"
        self.num_requests, self.duration = self.parse_rate(self.rate)
        self.history = self.cache.get(self.key, [])
        self.now = self.timer()
        while self.history and self.history[-1] <= self.now - self.duration:
            self.history.pop()
        if len(self.history) >= self.num_requests:
            return self.throttle_failure()
        return self.throttle_success()

    def get_cache_key(self, request, view):
        return self.key
