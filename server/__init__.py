"""The session API and the test hosts that serve it."""

from .app import ApiState, RequestRecord, create_app
from .config import ConfigError, CookieConfig, CorsPolicy, Settings
from .hosts import HOST_NAMES, ORIGINS, TEST_DOMAINS, Origin, TestHosts

__all__ = [
    "ApiState",
    "RequestRecord",
    "create_app",
    "ConfigError",
    "CookieConfig",
    "CorsPolicy",
    "Settings",
    "HOST_NAMES",
    "ORIGINS",
    "TEST_DOMAINS",
    "Origin",
    "TestHosts",
]
