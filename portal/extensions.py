"""Flask extensions, created unbound here and bound to the app in the factory."""
from flask_babel import Babel
from flask_caching import Cache
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from portal.db import Base
from portal.net import client_address

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
# Configured in portal/caching.py (Redis when PORTAL_REDIS_URL is set); used through that module.
cache = Cache()
# Storage and limits come from config in register_extensions; the key is the client address
# as ProxyFix left it (never a raw X-Forwarded-For, which anyone can forge).
limiter = Limiter(key_func=client_address, default_limits=[])
