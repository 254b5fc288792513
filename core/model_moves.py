"""Moving a model to another app without touching its rows: what the migrations of such a move share.

The old app's migration renames the table and forgets the model (SeparateDatabaseAndState); the new
app's migration declares it (state only) and runs `content_types_moved`, so the permissions granted on
the model and the admin's history of its rows follow it.
"""

from django.db import migrations


def content_types_moved(models: list[str], *, from_app: str, to_app: str) -> migrations.RunPython:
    def relabel(source: str, target: str):
        def run(apps, schema_editor):
            content_type = apps.get_model("contenttypes", "ContentType")
            for model in models:
                old = content_type.objects.filter(app_label=source, model=model)
                if content_type.objects.filter(app_label=target, model=model).exists():
                    old.delete()
                else:
                    old.update(app_label=target)

        return run

    return migrations.RunPython(relabel(from_app, to_app), relabel(to_app, from_app), elidable=False)
