import django.core.validators
import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

from core.model_moves import content_types_moved


class Migration(migrations.Migration):
    """Reminders, follow-ups, survey answers and the message counts per meeting come from messaging:
    state only (messaging 0004 renamed the tables), rows kept; permissions follow them."""

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("meetings", "0003_registration_seat_and_waitlist_indexes"),
        ("messaging", "0004_meeting_models_to_meetings"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="MeetingMessageStats",
                    fields=[],
                    options={
                        "verbose_name": "messages d'une rencontre",
                        "verbose_name_plural": "messages par rencontre",
                        "proxy": True,
                        "indexes": [],
                        "constraints": [],
                    },
                    bases=("meetings.meeting",),
                ),
                migrations.CreateModel(
                    name="MeetingFollowUp",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("queued_at", models.DateTimeField(default=django.utils.timezone.now)),
                        (
                            "meeting",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="follow_up",
                                to="meetings.meeting",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "suivi de rencontre",
                        "verbose_name_plural": "suivis de rencontre",
                    },
                ),
                migrations.CreateModel(
                    name="Reminder",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        ("offset", models.DurationField(blank=True, null=True, verbose_name="délai avant le début")),
                        ("days_before", models.PositiveSmallIntegerField(default=0, verbose_name="jours avant")),
                        (
                            "local_time",
                            models.TimeField(blank=True, null=True, verbose_name="heure locale (Casablanca)"),
                        ),
                        (
                            "include_invited",
                            models.BooleanField(default=False, verbose_name="rappeler aussi les invités non inscrits"),
                        ),
                        (
                            "sent_at",
                            models.DateTimeField(blank=True, editable=False, null=True, verbose_name="envoyé le"),
                        ),
                        (
                            "meeting",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="reminders",
                                to="meetings.meeting",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "rappel",
                        "verbose_name_plural": "rappels",
                        "ordering": ["meeting", "days_before", "offset"],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(
                                    models.Q(("local_time__isnull", True), ("offset__isnull", False)),
                                    models.Q(("local_time__isnull", False), ("offset__isnull", True)),
                                    _connector="OR",
                                ),
                                name="reminder_offset_or_local_time",
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="SurveyResponse",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        (
                            "rating",
                            models.PositiveSmallIntegerField(
                                validators=[
                                    django.core.validators.MinValueValidator(1),
                                    django.core.validators.MaxValueValidator(5),
                                ],
                                verbose_name="satisfaction (1 à 5)",
                            ),
                        ),
                        ("comment", models.TextField(blank=True, max_length=2000, verbose_name="commentaire")),
                        (
                            "meeting",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="survey_responses",
                                to="meetings.meeting",
                            ),
                        ),
                        (
                            "registration",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="survey_response",
                                to="meetings.registration",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "réponse à l'enquête de satisfaction",
                        "verbose_name_plural": "réponses à l'enquête de satisfaction",
                        "ordering": ["-created_at"],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(("rating__gte", 1), ("rating__lte", 5)), name="survey_rating_1_to_5"
                            )
                        ],
                    },
                ),
            ],
        ),
        content_types_moved(
            ["meetingmessagestats", "meetingfollowup", "reminder", "surveyresponse"],
            from_app="messaging",
            to_app="meetings",
        ),
    ]
