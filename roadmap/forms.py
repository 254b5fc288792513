from django import forms
from django.utils.translation import gettext_lazy as _

from meetings.models import Meeting
from plan.models import Market
from roadmap.models import Comment, RoadmapItem


def _with_all(choices):
    return [("", _("Tous"))] + list(choices)


class RoadmapFilterForm(forms.Form):
    """The filters of a region's roadmap page; an unknown value is reported and ignored."""

    axis = forms.ChoiceField(label=_("Axe"), choices=_with_all(RoadmapItem.Axis.choices), required=False)
    product = forms.ChoiceField(label=_("Filière"), choices=_with_all(RoadmapItem.ProductLine.choices), required=False)
    market = forms.ModelChoiceField(
        label=_("Marché"), queryset=Market.objects.all(), to_field_name="slug", required=False, empty_label=_("Tous")
    )
    status = forms.ChoiceField(label=_("Statut"), choices=_with_all(RoadmapItem.Status.choices), required=False)

    def selector_filters(self) -> dict:
        """Keyword arguments for `roadmap_items_for_region`, from the values that are valid."""
        self.is_valid()
        data = self.cleaned_data
        return {
            "axis": data.get("axis"),
            "product_line": data.get("product"),
            "market": data.get("market"),
            "status": data.get("status"),
        }


class CommentForm(forms.ModelForm):
    class Meta:
        model = Comment
        fields = ["body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 4, "maxlength": 2000})}


class CsvImportForm(forms.Form):
    meeting = forms.ModelChoiceField(
        label=_("Rencontre où les actions ont été décidées"),
        queryset=Meeting.objects.select_related("region").order_by("starts_at"),
    )
    file = forms.FileField(
        label=_("Fichier CSV"),
        help_text=_("UTF-8, séparateur « ; » ou « , », une ligne d'en-tête (le format de l'export CSV convient)."),
    )
    dry_run = forms.BooleanField(label=_("Simulation : vérifier sans rien enregistrer"), required=False, initial=True)

    MAX_BYTES = 1024 * 1024

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError(_("Fichier trop volumineux (1 Mo au plus)."))
        return upload
