from django.urls import path

from harbour.apps.registers.views import aup, consent, devices, reviews, training

urlpatterns = [
    path("", reviews.index, name="registers"),
    path("me/", aup.my_page, name="registers-me"),
    path("me/sign/<slug:key>/", aup.sign_own, name="registers-sign"),
    path("me/self-audit/", aup.self_audit, name="registers-self-audit"),
    path("agreements/", aup.agreements, name="registers-agreements"),
    path("agreements/class/", aup.class_forms, name="registers-class-forms"),
    path("training/", training.register, name="registers-training"),
    path("training/certificate/<int:pk>/", training.certificate, name="registers-certificate"),
    path("consent/", consent.register, name="registers-consent"),
    path("consent/pupil/<int:pk>/", consent.pupil_history, name="registers-consent-pupil"),
    path("publish/", consent.publish_check, name="registers-publish"),
    path("devices/", devices.register, name="registers-devices"),
    path("devices/<int:pk>/", devices.edit, name="registers-device"),
    path("reviews/", reviews.review_list, name="registers-reviews"),
    path("reviews/<int:pk>/", reviews.review_detail, name="registers-review"),
    path("risks/new/", reviews.risk_detail, name="registers-risk-new"),
    path("risks/<int:pk>/", reviews.risk_detail, name="registers-risk"),
]
