"""The decision form of the minutes page (staff): parses what was typed; the rules are the service's."""

from django import forms
from django.utils.translation import gettext_lazy as _

from meetings.forms import single_line
from meetings.models import Decision, Meeting
from plan.models import Market


class DecisionForm(forms.Form):
    agenda_item = forms.ModelChoiceField(queryset=None, required=False)
    title = forms.CharField(
        label=_("Décision"),
        max_length=200,
        validators=[single_line],
        error_messages={"required": _("Indiquez ce qui a été décidé.")},
    )
    details = forms.CharField(label=_("Précisions"), max_length=2000, required=False)
    axis = forms.ChoiceField(label=_("Axe"), choices=Decision.Axis.choices)
    product_line = forms.ChoiceField(label=_("Filière produit"), choices=Decision.ProductLine.choices)
    markets = forms.ModelMultipleChoiceField(label=_("Marchés"), queryset=Market.objects.all(), required=False)
    owner = forms.ChoiceField(label=_("Porteur"), choices=Decision.Owner.choices)
    due_on = forms.DateField(label=_("Échéance"), required=False)
    scope = forms.ChoiceField(label=_("Portée"), choices=Decision.Scope.choices)
    is_public = forms.BooleanField(label=_("Publique"), required=False)

    def __init__(self, *args, meeting: Meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agenda_item"].queryset = meeting.agenda_items.all()

    def service_kwargs(self) -> dict:
        return dict(self.cleaned_data)
