"""Alerts that fire in the backend whether or not a terminal is open: engine, service, ops."""

from backend.alerts.engine import Alert, AlertEngine, Firing, Kind
from backend.alerts.ops import register_alert_ops
from backend.alerts.service import AlertService
from backend.alerts.spec import AlertArgs, AlertCode, AlertEditArgs

__all__ = [
    "Alert",
    "AlertArgs",
    "AlertCode",
    "AlertEditArgs",
    "AlertEngine",
    "AlertService",
    "Firing",
    "Kind",
    "register_alert_ops",
]
