from django.urls import path

from aftersales.dispatch import booking_views, settings_views, technician_settings, technician_views, views

app_name = "dispatch"
urlpatterns = [
    # staff console
    path("console/dispatch/board/", views.board, name="board"),
    path("console/dispatch/board/reassign/", views.reassign, name="reassign"),
    path("console/dispatch/board/plan/", views.plan, name="plan"),
    path("console/dispatch/assign/<str:number>/", views.assign, name="assign"),
    path("console/dispatch/book/<str:number>/", booking_views.console_book, name="book"),
    path("console/dispatch/panel/<str:number>/", views.request_panel, name="request-panel"),
    path("console/dispatch/mail-in/<str:number>/", views.mail_in, name="mail-in"),
    path("console/dispatch/coverage/", views.coverage, name="coverage"),
    # the organization admin's settings
    path("console/settings/assignment/", settings_views.assignment, name="settings-assignment"),
    path("console/settings/assignment/skills/", settings_views.requirement_save, name="settings-skill-new"),
    path(
        "console/settings/assignment/skills/<int:pk>/", settings_views.requirement_save, name="settings-skill"
    ),
    path(
        "console/settings/assignment/skills/<int:pk>/delete/",
        settings_views.requirement_delete,
        name="settings-skill-delete",
    ),
    path("console/settings/map/", views.map_settings, name="settings-map"),
    path("console/settings/technicians/", technician_settings.technicians, name="settings-technicians"),
    path(
        "console/settings/technicians/<int:user_id>/",
        technician_settings.technician_edit,
        name="settings-technician",
    ),
    # customer portal
    path("portal/requests/<str:number>/book/", booking_views.portal_book, name="portal-book"),
    path("portal/requests/<str:number>/mail-in/", views.portal_mail_in, name="portal-mail-in"),
    # technician's phone
    path("tech/", technician_views.today, name="tech-today"),
    path("tech/visits/<int:pk>/", technician_views.visit, name="tech-visit"),
    path("tech/visits/<int:pk>/check-in/", technician_views.check_in, name="tech-check-in"),
    path("tech/visits/<int:pk>/record/", technician_views.record, name="tech-record"),
    path("tech/visits/<int:pk>/parts/", technician_views.part_add, name="tech-part-add"),
    path(
        "tech/visits/<int:pk>/parts/<int:usage_id>/remove/",
        technician_views.part_remove,
        name="tech-part-remove",
    ),
    path("tech/visits/<int:pk>/photos/", technician_views.photo, name="tech-photo"),
    path("tech/visits/<int:pk>/wait-for-parts/", technician_views.wait_for_parts, name="tech-wait"),
    path("tech/visits/<int:pk>/complete/", technician_views.complete, name="tech-complete"),
]
