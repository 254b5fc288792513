import time
import zlib

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import BaseThrottle

from api.models import ApiToken
from core.security import client_ip

# The periods of a rate, as DRF writes them ("600/min", "120/m", "10/s"…).
SECONDS_PER = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class ApiRateThrottle(BaseThrottle):
    """Requests per token (API_TOKEN_RATE_LIMIT), or per client address without one (API_PUBLIC_RATE_LIMIT),
    counted in the shared cache; when the cache does not answer, requests are let through.

    A counter per window of the rate's duration, one INCR per request: DRF's own throttle keeps the time of
    every request of the window in one cache value, read and written whole on each request. Each key's
    windows are shifted by an offset of its own, so that all partners' windows do not open together.
    """

    def allow_request(self, request, view):
        token = request.auth
        if isinstance(token, ApiToken):
            rate, key = settings.API_TOKEN_RATE_LIMIT, f"api-throttle:token:{token.pk}"
        else:
            rate, key = settings.API_PUBLIC_RATE_LIMIT, f"api-throttle:address:{client_ip(request)}"
        number, period = rate.split("/")
        limit, duration = int(number), SECONDS_PER[period[0]]
        now = time.time()
        shifted = now + zlib.crc32(key.encode()) % duration
        window = int(shifted // duration)
        self.window_left = duration - shifted % duration
        window_key = f"{key}:{window}"
        try:
            count = cache.incr(window_key)
        except ValueError:
            # First request of the window (or no cache: then every request is let through).
            count = 1 if cache.add(window_key, 1, timeout=duration + 1) else self._incr_or_allow(window_key)
        return count <= limit

    @staticmethod
    def _incr_or_allow(key: str) -> int:
        try:
            return cache.incr(key)
        except ValueError:
            return 0

    def wait(self):
        return self.window_left
