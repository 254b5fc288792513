"""Writes of the regions app: the audit log of data exports."""

from django.http import QueryDict

from regions.models import ExportLog


def export_log_record(*, user, kind: str, row_count: int, filters: QueryDict | str = "", region=None) -> ExportLog:
    """Record that `user` downloaded `row_count` rows of `kind` (with these filters, of this region)."""
    if isinstance(filters, QueryDict):
        filters = filters.urlencode()
    return ExportLog.objects.create(user=user, kind=kind, row_count=row_count, filters=filters[:1000], region=region)
