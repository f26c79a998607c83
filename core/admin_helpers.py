"""Admin pieces shared by the apps."""

from django.contrib import admin


class ReadOnly:
    """Shown to administrators, never written here: the services keep these rows consistent."""

    can_delete = False
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(ReadOnly, admin.ModelAdmin):
    pass


class SingletonPolicyAdmin(admin.ModelAdmin):
    """A policy's one row (core.policy.SingletonPolicy): edited, never added twice or deleted."""

    list_display = ["__str__"]

    def has_add_permission(self, request):
        return not self.model._default_manager.exists()

    def has_delete_permission(self, request, obj=None):
        return False
