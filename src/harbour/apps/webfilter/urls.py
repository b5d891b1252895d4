from django.urls import path

from harbour.apps.webfilter import views

app_name = "webfilter"
urlpatterns = [
    path("blocked", views.blocked, name="blocked"),
    path("filtering/request/", views.new_request, name="new"),
    path("filtering/requests/", views.my_requests, name="mine"),
    path("filtering/requests/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("filtering/queue/", views.queue, name="queue"),
    path("filtering/requests/<int:pk>/decide/", views.decide, name="decide"),
    path("filtering/requests/<int:pk>/revoke/", views.revoke, name="revoke"),
    path("filtering/lists/", views.school_lists, name="lists"),
    path("filtering/lists/<int:pk>/remove/", views.propose_removal, name="remove"),
    path("filtering/changes/", views.changes, name="changes"),
]
