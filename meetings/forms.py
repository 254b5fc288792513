"""Forms of the portal's own pages: the professionals' registration, check-in, survey, consultation, the minutes'
co-signature."""

import re
import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.text import isolate
from meetings.models import AttendanceMode, ConsultationAnswer, MinutesValidation, Registration
from meetings.selectors.registration import invited_contact
from plan.models import Market, ProductLine

# Line and paragraph separators end a line as surely as \r\n in a mail header or a CSV cell.
_LINE_BREAKING = {"\u2028", "\u2029", "\u0085"}
_PHONE_PUNCTUATION = re.compile(r"[\s.\-()/]")
_MOROCCAN_NATIONAL = re.compile(r"0([5-7]\d{8})")
_E164 = re.compile(r"\+[1-9]\d{6,14}")
_MOROCCAN_E164 = re.compile(r"\+212\d*")
_MOROCCAN_E164_VALID = re.compile(r"\+212[5-7]\d{8}")
# Arguments of the error message: the translators keep the placeholders and never retype a number.
PHONE_EXAMPLES = {"national": "06 12 34 56 78", "moroccan": "+212 6 12 34 56 78", "international": "+33 6 12 34 56 78"}


def _control_characters(value: str, *, allowed: str = "") -> bool:
    return any((unicodedata.category(char) == "Cc" and char not in allowed) or char in _LINE_BREAKING for char in value)


def single_line(value: str) -> str:
    """Refuse control characters and line breaks (they could forge e-mail headers or break exports)."""
    if _control_characters(value):
        raise ValidationError(_("Caractères de contrôle ou retour à la ligne non autorisés."), code="control")
    return value


def phone_normalise(value: str) -> str:
    """A Moroccan (05/06/07…, +212…) or international (E.164) number, returned as E.164."""
    number = _PHONE_PUNCTUATION.sub("", value)
    if number.startswith("00"):
        number = "+" + number[2:]
    national = _MOROCCAN_NATIONAL.fullmatch(number)
    if national:
        number = "+212" + national.group(1)
    if not _E164.fullmatch(number) or (_MOROCCAN_E164.fullmatch(number) and not _MOROCCAN_E164_VALID.fullmatch(number)):
        raise ValidationError(
            _("Numéro invalide : par exemple %(national)s, %(moroccan)s ou %(international)s."),
            code="phone",
            params={example: isolate(number) for example, number in PHONE_EXAMPLES.items()},
        )
    return number


class _ContactFieldsMixin:
    """Cleaning shared by the registration form and the manage page's contact form."""

    SINGLE_LINE_FIELDS = ("full_name", "organisation", "job_title", "city", "email", "phone")

    def clean(self):
        cleaned = super().clean()
        for name in self.SINGLE_LINE_FIELDS:
            value = cleaned.get(name)
            if name in self.fields and value:
                try:
                    single_line(value)
                except ValidationError as error:
                    self.add_error(name, error)
        return cleaned

    def clean_full_name(self):
        name = self.cleaned_data["full_name"]
        # Names are kept as typed (Arabic, French, hyphens, apostrophes), but must contain a letter.
        if not any(char.isalpha() for char in name):
            raise ValidationError(_("Indiquez votre nom."), code="name")
        return name

    def clean_phone(self):
        phone = self.cleaned_data["phone"]
        if _control_characters(phone):
            return phone  # reported once, by clean()
        return phone_normalise(phone)


CONTACT_WIDGETS = {
    "email": forms.EmailInput(attrs={"autocomplete": "email"}),
    "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    "full_name": forms.TextInput(attrs={"autocomplete": "name", "dir": "auto"}),
    "organisation": forms.TextInput(attrs={"autocomplete": "organization", "dir": "auto"}),
    "job_title": forms.TextInput(attrs={"autocomplete": "organization-title", "dir": "auto"}),
    "city": forms.TextInput(attrs={"autocomplete": "address-level2", "dir": "auto"}),
    "message": forms.Textarea(attrs={"rows": 3, "maxlength": 1000, "dir": "auto"}),
}


class RegistrationForm(_ContactFieldsMixin, forms.Form):
    """Name, organisation, sector, e-mail, phone, city, message and consent; nothing more than the meeting needs.

    The model's fields in a plain form: the registration is the service's to build, and its constraints
    (status, mode, offers) the database's. A model form would evaluate each of them in Python, with a
    query built over every field, on every submission: a millisecond of each registration.
    """

    required_css_class = "required"

    consent = forms.BooleanField(
        label=_("J'accepte que l'ONMT traite ces données pour organiser la rencontre, comme décrit ci-dessus."),
        required=True,
        error_messages={"required": _("Votre consentement est nécessaire pour vous inscrire.")},
    )
    # Honeypot: hidden from people by CSS, filled in by form-filling robots.
    website = forms.CharField(
        label=_("Ne pas remplir"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )
    invitation = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()

    def clean_invitation(self):
        # A damaged invitation only loses the link to the contact; the person still registers.
        token = self.cleaned_data["invitation"]
        return token if len(token) <= 500 else ""

    def clean_website(self):
        if self.cleaned_data["website"]:
            raise ValidationError(_("Ce champ doit rester vide."), code="honeypot")
        return ""

    def clean_message(self):
        message = self.cleaned_data["message"]
        if _control_characters(message, allowed="\r\n\t"):
            raise ValidationError(_("Caractères de contrôle non autorisés."), code="control")
        return message


RegistrationForm.base_fields = {
    **forms.fields_for_model(
        Registration,
        fields=["full_name", "organisation", "job_title", "sector", "email", "phone", "city", "message"],
        widgets=CONTACT_WIDGETS,
    ),
    **RegistrationForm.base_fields,
}


def registration_form_for(meeting, invitation: str = "") -> RegistrationForm:
    """An empty form, pre-filled from the contact when the person came through a personal invitation link;
    with the choice of attendance mode when the meeting offers both."""
    contact = invited_contact(token=invitation, meeting=meeting)
    return registration_mode_choice(
        RegistrationForm() if contact is None else _invited_form(contact, invitation), meeting
    )


class RegistrationModeForm(forms.Form):
    """The attendance mode chosen at registration, asked only where the meeting offers both (a separate form:
    the registration's POST is read before its meeting); left out, the meeting's own mode."""

    mode = forms.ChoiceField(label=_("Je participerai"), choices=AttendanceMode.choices, required=False)


def registration_mode_choice(form: RegistrationForm, meeting) -> RegistrationForm:
    """The form asking in person or online, first, when the meeting offers both (a bound form keeps the answer)."""
    if len(meeting.modes) > 1:
        choice = forms.ChoiceField(
            label=RegistrationModeForm.base_fields["mode"].label,
            choices=AttendanceMode.choices,
            widget=forms.RadioSelect,
        )
        form.fields = {"mode": choice, **form.fields}
    return form


def _invited_form(contact, invitation: str) -> RegistrationForm:
    return RegistrationForm(
        initial={
            "full_name": contact.full_name,
            "organisation": contact.organisation,
            "job_title": contact.role,
            "email": contact.email,
            "phone": contact.phone,
            "invitation": invitation,
        }
    )


class ContactDetailsForm(_ContactFieldsMixin, forms.ModelForm):
    """What a person may correct from their manage link."""

    class Meta:
        model = Registration
        fields = ["full_name", "organisation", "job_title", "phone", "city"]
        widgets = CONTACT_WIDGETS


class ModeSwitchForm(forms.Form):
    """The manage page's button that moves a registration to the other attendance mode."""

    mode = forms.ChoiceField(choices=AttendanceMode.choices)


class CheckinSearchForm(forms.Form):
    q = forms.CharField(label=_("Nom, organisme ou e-mail"), required=False, max_length=150)


class CheckinMarkForm(CheckinSearchForm):
    """The "present" button of one person on the check-in page (the search is kept for the way back)."""

    registration = forms.IntegerField(min_value=1)


class WalkInForm(_ContactFieldsMixin, forms.ModelForm):
    """Someone registered at the door by staff: who they are, how to reach them (e-mail or phone), consent."""

    required_css_class = "required"

    consent = forms.BooleanField(
        label=_("La personne accepte que l'ONMT traite ces données pour la rencontre et son suivi."),
        required=True,
        error_messages={"required": _("Le consentement de la personne est nécessaire.")},
    )

    class Meta:
        model = Registration
        fields = ["full_name", "organisation", "sector", "email", "phone"]
        widgets = {
            "email": forms.EmailInput(attrs={"autocomplete": "off"}),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "off", "inputmode": "tel"}),
            "full_name": forms.TextInput(attrs={"autocomplete": "off", "dir": "auto"}),
            "organisation": forms.TextInput(attrs={"autocomplete": "off", "dir": "auto"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].required = False
        self.fields["phone"].required = False

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()

    def clean_phone(self):
        return super().clean_phone() if self.cleaned_data["phone"] else ""

    def clean(self):
        cleaned = super().clean()
        # A value refused for its format is already said; only both left blank is said here.
        if not (cleaned.get("email") or cleaned.get("phone") or self.errors.keys() & {"email", "phone"}):
            self.add_error("phone", _("Indiquez une adresse e-mail ou un numéro de téléphone."))
        return cleaned


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


class MinutesSendForm(forms.Form):
    """Staff choose the CRT member who co-signs the minutes (the contacts of the meeting's region)."""

    validator = forms.ModelChoiceField(label=_("Validateur pour le CRT"), queryset=None, empty_label=None)

    def __init__(self, *args, validators, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["validator"].queryset = validators
        self.fields["validator"].label_from_instance = lambda contact: (
            f"{contact.full_name} — {contact.role}" if contact.role else contact.full_name
        )


class MinutesAnswerForm(forms.Form):
    """The validator's answer: one of two buttons, and a comment (required by the service for a refusal)."""

    outcome = forms.ChoiceField(choices=MinutesValidation.Outcome.choices)
    comment = forms.CharField(
        label=_("Commentaire (obligatoire pour refuser : dites ce qui doit changer)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class ConsultationForm(forms.Form):
    """The consultation before a meeting: markets, product lines, obstacles, proposals, and consent."""

    markets = forms.ModelMultipleChoiceField(
        label=_("Vos marchés prioritaires"),
        queryset=Market.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    product_lines = forms.MultipleChoiceField(
        label=_("Les filières qui vous concernent"),
        choices=ProductLine.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    obstacles = forms.MultipleChoiceField(
        label=_("Vos principaux freins"),
        choices=ConsultationAnswer.Obstacle.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    obstacle_other = forms.CharField(
        label=_("Autre frein (précisez)"), max_length=200, required=False, validators=[single_line]
    )
    proposal = forms.CharField(
        label=_("Vos propositions"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Ce que l'ONMT et le CRT pourraient faire ; 2 000 caractères au plus."),
    )
    consent = forms.BooleanField(
        label=_(
            "J'accepte que l'ONMT conserve ma réponse pour préparer la rencontre et suivre mes propositions ; "
            "seuls des totaux anonymes (jamais moins de 5 personnes) seront publiés."
        ),
        error_messages={"required": _("Votre consentement est nécessaire pour répondre.")},
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=2**31 - 1)

    def clean(self):
        data = super().clean()
        other = ConsultationAnswer.Obstacle.OTHER
        if other in data.get("obstacles", []) and not data.get("obstacle_other", "").strip():
            self.add_error("obstacle_other", _("Précisez l'autre frein, ou décochez « Autre »."))
        return data
