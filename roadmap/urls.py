from django.urls import path

from roadmap import proposal_views, views

app_name = "roadmap"

urlpatterns = [
    path("", views.home, name="home"),
    # Before the region pattern: no region slug can shadow it.
    path("vue-nationale/", views.overview, name="overview"),
    # Posted by the minutes page and the decisions register (staff): the decision becomes a roadmap item.
    path("decisions/<int:pk>/action/", views.decision_to_item, name="decision_to_item"),
    # A file of a monthly report (staff): pdf_fr, pdf_ar or xlsx.
    path("rapports/<int:pk>/<str:part>/", views.report_download, name="report_download"),
    path("mes-notifications/", views.notification_profile, name="profile"),
    # The CNT's task forces across the 12 regions (staff): "produit" by product line, "marches" by market.
    path("task-forces/<slug:task_force>/", views.task_force, name="task_force"),
    path("task-forces/<slug:task_force>/export.<str:file_format>", views.task_force_export, name="task_force_export"),
    # One-click unsubscribe from the roadmap's e-mails (RFC 8058): no login, the signed link is the authority.
    path("desabonnement/<str:token>/", views.unsubscribe, name="unsubscribe"),
    # The consultation's proposals traced to items: staff link them; their authors stop the e-mails in one click.
    path(
        "propositions/desabonnement/<str:token>/",
        proposal_views.proposals_unsubscribe_view,
        name="proposals_unsubscribe",
    ),
    path("propositions/<slug:slug>/", proposal_views.proposals, name="proposals"),
    path("propositions/<slug:slug>/<int:answer_id>/lier/", proposal_views.proposal_link_add, name="proposal_link"),
    path("<slug:region_slug>/", views.region_roadmap, name="region"),
    path("<slug:region_slug>/export.csv", views.export_csv, name="export_csv"),
    path("<slug:region_slug>/imprimer/", views.print_roadmap, name="print"),
    path("<slug:region_slug>/accuser-reception/", views.items_acknowledge, name="acknowledge_many"),
    path("<slug:region_slug>/actions/<int:pk>/", views.item_detail, name="item"),
    path("<slug:region_slug>/actions/<int:pk>/commenter/", views.item_comment, name="comment"),
    path("<slug:region_slug>/actions/<int:pk>/accuser-reception/", views.item_acknowledge, name="acknowledge"),
    # The item's files: added by staff and the region's officials, read by whoever may open the item's page.
    path("<slug:region_slug>/actions/<int:pk>/fichiers/", views.evidence_add, name="evidence_add"),
    path("<slug:region_slug>/actions/<int:pk>/fichiers/<int:file_pk>/", views.evidence_download, name="evidence"),
    path(
        "<slug:region_slug>/actions/<int:pk>/fichiers/<int:file_pk>/supprimer/",
        views.evidence_remove,
        name="evidence_remove",
    ),
]
