from django.urls import path

from workflow.views import lifecycle, pages, review, signing, start, versions

app_name = "workflow"

urlpatterns = [
    path("", pages.home, name="home"),
    # start
    path("conventions/demarrer/", start.start, name="start"),
    path("conventions/<int:convention_pk>/", pages.convention_detail, name="detail"),
    # lifecycle
    path("conventions/<int:convention_pk>/cycle/<slug:action>/", lifecycle.transition, name="transition"),
    path(
        "conventions/<int:convention_pk>/cycle/<slug:action>/confirmer/",
        lifecycle.transition_confirm,
        name="transition_confirm",
    ),
    # review
    path("conventions/<int:convention_pk>/relecture/", review.review, name="review"),
    path("conventions/<int:convention_pk>/relecture/commenter/", review.comment_create, name="review_comment_create"),
    path(
        "conventions/<int:convention_pk>/relecture/commentaires/<int:comment_pk>/repondre/",
        review.comment_reply,
        name="review_comment_reply",
    ),
    path(
        "conventions/<int:convention_pk>/relecture/commentaires/<int:comment_pk>/resoudre/",
        review.comment_resolve,
        name="review_comment_resolve",
    ),
    path(
        "conventions/<int:convention_pk>/relecture/commentaires/<int:comment_pk>/rouvrir/",
        review.comment_reopen,
        name="review_comment_reopen",
    ),
    # signing
    path("conventions/<int:convention_pk>/signature/<int:party_pk>/", signing.sign, name="sign"),
    path("conventions/<int:convention_pk>/signature/<int:party_pk>/refus/", signing.decline, name="decline"),
    path(
        "conventions/<int:convention_pk>/signature/<int:party_pk>/papier/",
        signing.paper_signature,
        name="paper_signature",
    ),
    path(
        "conventions/<int:convention_pk>/signatures/<int:signature_pk>/scan.pdf",
        signing.signature_scan,
        name="signature_scan",
    ),
    # versions
    path("conventions/<int:convention_pk>/versions/<int:number>/", versions.version_detail, name="version"),
    path(
        "conventions/<int:convention_pk>/versions/<int:number>/contenu.json", versions.version_json, name="version_json"
    ),
]
