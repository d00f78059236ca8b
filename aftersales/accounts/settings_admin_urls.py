from django.urls import path

from aftersales.accounts import settings_admin_views as views

app_name = "accounts_settings"
urlpatterns = [
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<int:pk>/", views.token_edit, name="token"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token-revoke"),
    path("users/", views.users, name="users"),
    path("users/invite/", views.user_invite, name="user-invite"),
    path("users/<int:pk>/", views.user_detail, name="user"),
    path("users/<int:pk>/deactivate/", views.user_deactivate, name="user-deactivate"),
    path("users/<int:pk>/reactivate/", views.user_reactivate, name="user-reactivate"),
    path("users/<int:pk>/reset-password/", views.user_reset_password, name="user-reset-password"),
]
