"""Every model, imported in one place so that Alembic and the app see the whole schema."""
from .auth.models import User  # noqa: F401
from .org.models import Deputy, Region, Station, station_admins, station_deputies  # noqa: F401
from .qr.models import QRCode  # noqa: F401
from .wechat.models import ServiceToken  # noqa: F401
