from django.urls import path

from harbour.apps.records import views

app_name = "records"
urlpatterns = [
    path("", views.index, name="index"),
    path("report/", views.report, name="report"),
    path("report/people/", views.people_hints, name="people_hints"),
    path("figures/", views.figures, name="figures"),
    path("retention/", views.retention_page, name="retention"),
    path("people/", views.pupils, name="pupils"),
    path("people/<int:person_pk>/", views.chronology_page, name="chronology"),
    path("people/<int:person_pk>/transfer.pdf", views.transfer_pdf, name="transfer_pdf"),
    path("people/<int:person_pk>/transfer/", views.transfer_sent, name="transfer_sent"),
    path("transfers/<int:transfer_pk>/receipt/", views.transfer_receipt, name="transfer_receipt"),
    path("<int:pk>/", views.record_page, name="record"),
    path("<int:pk>/delete/", views.delete, name="delete"),
    path("<int:pk>/evidence/<int:item>/download/", views.download, name="download"),
    path("<int:pk>/do/<slug:op>/", views.operate, name="operate"),
    path("<int:pk>/do/<slug:op>/<int:target>/", views.operate, name="operate_on"),
]
