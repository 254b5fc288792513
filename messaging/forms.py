from django import forms
from django.utils.translation import gettext_lazy as _

RATINGS = [(n, str(n)) for n in range(1, 6)]


class SurveyForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("Dans l'ensemble, la rencontre vous a-t-elle été utile ? (1 : pas du tout, 5 : tout à fait)"),
        choices=RATINGS,
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Un commentaire ? (facultatif)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
