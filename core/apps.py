from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """What every app of the portal shares; it imports none of them."""

    name = "core"
    verbose_name = _("Socle commun")

    def ready(self):
        keep_default_ordering_implicit()


def keep_default_ordering_implicit() -> None:
    """Let the models translated with modeltranslation keep Django's own handling of `Meta.ordering`.

    modeltranslation's queryset turns a model's default ordering into an explicit `order_by` (to rewrite a
    translated field in it), and Django then adds those columns to the GROUP BY of `values().annotate()`:
    counts per axis or per region come out split by title (django-modeltranslation issue #559). Our models
    order by untranslated columns or by a French column named as such (`title_fr`), so there is nothing to
    rewrite and the ordering stays implicit, as for every other model.
    """
    from modeltranslation.manager import MultilingualQuerySet

    def _post_init(queryset) -> None:
        queryset._rewrite = True
        queryset._populate = None

    MultilingualQuerySet._post_init = _post_init
