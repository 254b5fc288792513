from django import forms
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from meetings.models import Meeting
from plan.models import Axis, Market
from regions.models import Language, Region
from roadmap.models import Comment, NoticeFrequency, RoadmapItem
from roadmap.national_selectors import PRODUCT, TaskForceFilters, task_force_markets
from roadmap.services import DELETE_ITEM, KEEP_ITEM


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


class TaskForceFilterForm(forms.Form):
    """The filters of a task force's page across regions; an unknown value is reported and ignored."""

    region = forms.ModelChoiceField(
        label=_("Région"), queryset=Region.objects.all(), to_field_name="slug", required=False, empty_label=_("Toutes")
    )
    axis = forms.ChoiceField(label=_("Axe"), choices=_with_all(RoadmapItem.Axis.choices), required=False)
    status = forms.ChoiceField(label=_("Statut"), choices=_with_all(RoadmapItem.Status.choices), required=False)
    owner = forms.ChoiceField(label=_("Porteur"), choices=_with_all(RoadmapItem.Owner.choices), required=False)
    overdue = forms.BooleanField(label=_("En retard seulement"), required=False)

    def __init__(self, *args, task_force: str, **kwargs):
        super().__init__(*args, **kwargs)
        if task_force == PRODUCT:
            self.fields["group"] = forms.ChoiceField(
                label=_("Filière"), choices=_with_all(RoadmapItem.ProductLine.choices), required=False
            )
        else:
            self.fields["group"] = forms.ChoiceField(
                label=_("Marché"),
                choices=_with_all((market.slug, market.name) for market in task_force_markets()),
                required=False,
            )

    def filters(self) -> TaskForceFilters:
        """The selector's filters, from the values that are valid."""
        self.is_valid()
        data = self.cleaned_data
        return TaskForceFilters(
            region=data.get("region"),
            axis=data.get("axis") or None,
            status=data.get("status") or None,
            owner=data.get("owner") or None,
            overdue=bool(data.get("overdue")),
            group=data.get("group") or None,
        )


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


class DecisionDeleteForm(forms.Form):
    """What becomes of the roadmap items of the decisions being deleted (asked only when there are some)."""

    item_action = forms.ChoiceField(
        label=_("Que deviennent leurs actions de feuille de route ?"),
        widget=forms.RadioSelect,
        choices=[
            (KEEP_ITEM, _("Les garder dans la feuille de route, détachées de la décision (un commentaire le note)")),
            (DELETE_ITEM, _("Les supprimer aussi, avec leur historique et leurs commentaires")),
        ],
        required=False,
    )

    def __init__(self, *args, has_items: bool, can_delete_items: bool, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["item_action"]
        if not has_items:
            del self.fields["item_action"]
            return
        field.required = True
        if not can_delete_items:
            field.choices = [choice for choice in field.choices if choice[0] != DELETE_ITEM]

    def clean(self):
        cleaned = super().clean()
        cleaned.setdefault("item_action", None)
        return cleaned


class DecisionLinkForm(forms.Form):
    item = forms.ModelChoiceField(label=_("Action de la feuille de route de la région"), queryset=RoadmapItem.objects)

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = items


class NotificationPreferenceForm(forms.Form):
    """A person's choices of roadmap e-mails: officials choose how often, staff whether to be reminded."""

    frequency = forms.ChoiceField(
        label=_("Modifications des actions de votre région par l'ONMT"),
        choices=NoticeFrequency.choices,
        widget=forms.RadioSelect,
    )
    due_reminders = forms.BooleanField(
        label=_("Me rappeler l'échéance des actions dont je suis responsable, et leur retard"), required=False
    )
    # Each language in its own name, as in the header's switch: whoever reads it finds theirs.
    language = forms.ChoiceField(
        label=_("Langue des e-mails"),
        choices=[(code, get_language_info(code)["name_local"]) for code in Language.values],
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, official: bool, staff: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not official:
            del self.fields["frequency"]
        if not staff:
            del self.fields["due_reminders"]


class ProposalLinkForm(forms.Form):
    """Staff link a proposal to an item of the meeting's region, or name a new one (and its axis)."""

    item = forms.TypedChoiceField(label=_("Action existante"), coerce=int, required=False, empty_value=None)
    new_title = forms.CharField(label=_("ou nouvelle action : intitulé"), max_length=200, required=False)
    new_axis = forms.ChoiceField(
        label=_("Axe de la nouvelle action"), choices=[("", "—"), *Axis.choices], required=False
    )

    def __init__(self, *args, items: list[RoadmapItem], **kwargs):
        # The region's items, read once for every form of the page.
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [("", "—"), *((item.pk, item.title) for item in items)]

    def clean(self):
        data = super().clean()
        if data.get("item") is None and not data.get("new_title", "").strip():
            raise forms.ValidationError(_("Choisissez une action existante ou donnez l'intitulé d'une nouvelle."))
        if data.get("item") is None and not data.get("new_axis"):
            self.add_error("new_axis", _("Choisissez l'axe de la nouvelle action."))
        return data
