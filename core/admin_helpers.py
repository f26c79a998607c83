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
