from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from messaging import services
from messaging.tokens import unsubscribe_token_read


# RFC 8058: the mailbox provider POSTs "List-Unsubscribe=One-Click" with no session and no CSRF token.
# The signed address in the URL is the only authority; unsubscribing twice changes nothing.
@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    """GET asks (mail scanners follow links); POST, from the button or the mail client, unsubscribes."""
    email = unsubscribe_token_read(token=token)
    if email is None:
        raise Http404(_("Ce lien de désabonnement n'est pas valide."))
    if request.method == "POST":
        services.unsubscription_record(email=email)
        return render(request, "messaging/unsubscribe_done.html", {"email": email})
    return render(request, "messaging/unsubscribe.html", {"email": email})
