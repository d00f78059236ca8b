from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.models import ApiToken, Organization, SettingsChange, User


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "kind", "timezone", "created_at")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "get_full_name", "role", "organization", "is_active", "last_login")
    list_filter = ("role", "organization", "is_active")
    fieldsets = (*(BaseUserAdmin.fieldsets or ()), (_("角色与组织"), {"fields": ("role", "organization")}))
    add_fieldsets = (*BaseUserAdmin.add_fieldsets, (_("角色与组织"), {"fields": ("role", "organization")}))


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "prefix", "organization", "user", "created_at", "last_used_at", "revoked_at")
    list_filter = ("organization",)
    readonly_fields = ("prefix", "token_hash", "created_at", "last_used_at")


@admin.register(SettingsChange)
class SettingsChangeAdmin(admin.ModelAdmin):
    list_display = ("at", "organization", "actor", "area", "action", "target")
    list_filter = ("organization", "area", "action")
    readonly_fields = ("organization", "actor", "area", "action", "target", "detail", "at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
