from django.db import migrations


class Migration(migrations.Migration):
    """Reminders, follow-ups and survey answers belong to the meetings app now: tables renamed, rows kept."""

    dependencies = [("messaging", "0003_outboundmessage_search_trigram")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.AlterModelTable(name="reminder", table="meetings_reminder"),
                migrations.AlterModelTable(name="meetingfollowup", table="meetings_meetingfollowup"),
                migrations.AlterModelTable(name="surveyresponse", table="meetings_surveyresponse"),
            ],
            state_operations=[
                migrations.DeleteModel(name="MeetingMessageStats"),
                migrations.DeleteModel(name="Reminder"),
                migrations.DeleteModel(name="MeetingFollowUp"),
                migrations.DeleteModel(name="SurveyResponse"),
            ],
        ),
    ]
