from django import template

from onmt_portal.dashboard import StaffDashboard, staff_dashboard

register = template.Library()


@register.simple_tag
def staff_dashboard_get() -> StaffDashboard:
    return staff_dashboard()
