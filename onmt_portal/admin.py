"""Third-party admin pages the portal keeps for superusers only."""

from axes import admin as axes_admin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin

from core.admin import SuperuserOnlyAdminMixin

# django-axes registers its pages when the admin imports axes.admin (axes comes before the portal's apps in
# INSTALLED_APPS): they are registered again here, for superusers only. Unlocking a login is theirs to do.
for model, model_admin in [
    (AccessAttempt, axes_admin.AccessAttemptAdmin),
    (AccessLog, axes_admin.AccessLogAdmin),
    (AccessFailureLog, axes_admin.AccessFailureLogAdmin),
]:
    admin.site.unregister(model)
    admin.site.register(model, type(model_admin.__name__, (SuperuserOnlyAdminMixin, model_admin), {}))
