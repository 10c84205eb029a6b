"""Django's cache sessions (kept in Redis), without the read before each new session key.

Django's base class draws a key, then asks the cache whether it exists, then writes it with
`save(must_create=True)`: a `cache.add`, Redis's SET NX, which already refuses a key that exists (the class then
draws another). The read is one Redis round trip more per session created, five per journey (each sign-in starts
a new session key, R-SEC2), and protects nothing the write does not.

And a Redis that does not answer is not read as an empty session (below).
"""

from typing import Any

from django.contrib.sessions.backends.base import VALID_KEY_CHARS
from django.contrib.sessions.backends.cache import SessionStore as CacheSessionStore
from django.utils.crypto import get_random_string


class SessionStore(CacheSessionStore):
    def _get_new_session_key(self) -> str:
        return get_random_string(32, VALID_KEY_CHARS)

    def load(self) -> dict[str, Any]:
        # Django's cache sessions read any failure as "no session": a Redis out would look like a person signed
        # out, sent to the sign-in page and told nothing. It is the service out (core.outage): a 503.
        django_store: Any = self  # django-stubs leave out the cache the base class keeps
        session_data: dict[str, Any] | None = django_store._cache.get(self.cache_key)
        if session_data is not None:
            return session_data
        self._session_key = None
        return {}
