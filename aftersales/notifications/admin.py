from django.contrib import admin

from aftersales.notifications.models import DeliveryAttempt, OutboxMessage, WebhookSubscription


class DeliveryInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    readonly_fields = ("attempted_at", "ok", "status_code", "response_excerpt", "error", "duration_ms")


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ("created_at", "channel", "recipient", "status", "attempts", "next_attempt_at", "sent_at")
    list_filter = ("channel", "status", "organization")
    search_fields = ("recipient", "dedupe_key")
    readonly_fields = ("payload", "last_error")
    inlines = [DeliveryInline]


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    list_display = ("url", "organization", "is_active", "created_at")
    list_filter = ("organization", "is_active")
