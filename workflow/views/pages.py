"""Pages of conventions: thin views calling selectors, abilities from the policy module."""

from django.shortcuts import render
from django.template.loader import render_to_string

from conventions import render_cache
from conventions.selectors import convention_for_user
from workflow import readiness, selectors, selectors_home, selectors_start


def home(request):
    # A summary for whoever sees many conventions, else the filtered, paginated list (GET parameters).
    home = selectors_home.home_page(user=request.user, params=request.GET)
    context = {"home": home, "conventions": home.conventions, "filter": home.filter}
    if request.htmx and not home.is_summary:
        # The filter form asks for the results only; without JavaScript the form reloads the page.
        return render(request, "workflow/_home_results.html", context)
    # What to do next: « Démarrer une CTG » for whoever may, else whom to ask (when the list is empty).
    context["next_step"] = selectors_start.next_step(user=request.user)
    return render(request, "workflow/home.html", context)


def convention_detail(request, convention_pk: int):
    convention = convention_for_user(user=request.user, pk=convention_pk)
    abilities = convention.get_abilities(request.user)
    # What is the same for every reader with the same abilities comes from the render cache
    # (conventions/render_cache.py), rendered without the request: no user, no message; the forms'
    # CSRF token is put in when served. Only the signing panel, which knows who reads, is rendered here.
    vary = sorted(name for name, allowed in abilities.items() if allowed)
    lifecycle: dict = {}

    def lifecycle_context() -> dict:
        if not lifecycle:
            steps = selectors.timeline(convention=convention)
            lifecycle.update(
                convention=convention,
                abilities=abilities,
                timeline=steps,
                versions=selectors.page_versions(convention=convention, steps=steps),
                open_comment_count=selectors.open_review_comment_count(convention=convention),
            )
        return lifecycle

    def top() -> str:
        context = lifecycle_context()
        # What is missing for the CAF's review, for the staff who fix it while they edit the text.
        context["readiness"] = readiness.review_readiness(convention) if abilities["edit"] else None
        context["domain_names"] = selectors.domain_names(convention=convention)
        return render_to_string("workflow/_convention_top.html", render_cache.fragment_context(context))

    def sections() -> str:
        selectors.with_page_sections(convention)
        context = {**lifecycle_context(), "diagnostic_summary": selectors.diagnostic_summary(convention=convention)}
        return render_to_string("workflow/_convention_sections.html", render_cache.fragment_context(context))

    # The sections first: on a miss, what they read (parties, articles, the plan's fiche counts) serves the
    # header and the readiness panel too.
    sections_html = render_cache.cached_html(
        convention, "workflow:detail:sections", vary=vary, render=sections, request=request
    )
    context = {
        "convention": convention,
        "abilities": abilities,
        "top_html": render_cache.cached_html(convention, "workflow:detail:top", vary=vary, render=top, request=request),
        "sections_html": sections_html,
        **selectors.signing_context(user=request.user, convention=convention, abilities=abilities),
    }
    return render(request, "workflow/convention_detail.html", context)
