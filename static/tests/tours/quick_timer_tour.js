import { registry } from "@web/core/registry";

// A technician starts the quick timer from the top bar on a pinned task, switches to
// another customer's task found by the search, then stops with a description and a
// support type. The same steps run at desktop size and at phone size (375x667, touch).

const TOGGLE = ".o_main_navbar .o_support_quick_timer_toggle";
// the live elapsed time has ticked past 0:00:01: the server holds at least a second
const TICKED =
    ".o_support_quick_timer_running .o_support_quick_timer_toggle .o_support_quick_timer_elapsed:not(:contains('0:00:00')):not(:contains('0:00:01'))";

function quickTimerSteps({ small }) {
    const runningName = (name) =>
        small
            ? // phones show the elapsed time only in the top bar: check the panel instead
              []
            : [
                  {
                      content: `The top bar shows ${name} running`,
                      trigger: `.o_support_quick_timer_running .o_support_quick_timer_task:contains('${name}')`,
                  },
              ];
    return [
        {
            content: "Open the quick timer in the top bar",
            trigger: TOGGLE,
            run: "click",
        },
        {
            content: "No timer runs yet; the pinned task is offered",
            trigger:
                ".o_support_quick_timer_menu:not(:has(.o_support_quick_timer_current)) .o_support_quick_timer_row:contains('Tour Alpha printer'):contains('Tour Customer')",
        },
        {
            content: "One tap starts the timer on it",
            trigger:
                ".o_support_quick_timer_row:contains('Tour Alpha printer') .o_support_quick_timer_row_main",
            run: "click",
        },
        ...runningName("Tour Alpha printer"),
        {
            content: "The elapsed time runs",
            trigger: TICKED,
        },
        {
            content: "Open the quick timer again",
            trigger: TOGGLE,
            run: "click",
        },
        {
            content: "It shows the running task",
            trigger: ".o_support_quick_timer_current:contains('Tour Alpha printer')",
        },
        {
            content: "Search another customer's task",
            trigger: ".o_support_quick_timer_search",
            run: "edit Beta network",
        },
        {
            content: "Tap it: the timer switches to it",
            trigger:
                ".o_support_quick_timer_row:contains('Tour Beta network') .o_support_quick_timer_row_main",
            run: "click",
        },
        ...runningName("Tour Beta network"),
        {
            content: "The new timer runs",
            trigger: TICKED,
        },
        {
            content: "Open the quick timer to stop",
            trigger: TOGGLE,
            run: "click",
        },
        {
            content: "Beta runs",
            trigger: ".o_support_quick_timer_current:contains('Tour Beta network')",
        },
        {
            content: "Alpha, stopped by the switch, is offered again",
            trigger:
                ".o_support_quick_timer_row:not(.o_support_quick_timer_row_running):contains('Tour Alpha printer')",
        },
        {
            content: "Tap the running task: it stops",
            trigger:
                ".o_support_quick_timer_row_running:contains('Tour Beta network') .o_support_quick_timer_row_main",
            run: "click",
        },
        {
            content: "The small form shows the stopped entry and its billed time",
            trigger:
                ".o_support_quick_timer_stopped:contains('Tour Beta network') .o_support_quick_timer_billed:contains('00:15')",
        },
        {
            content: "The support type proposed is the customer's default",
            trigger: ".o_support_quick_timer_type:has(option:checked:contains('Tour Phone'))",
        },
        {
            content: "Describe the work",
            trigger: ".o_support_quick_timer_description",
            run: "edit Replaced the router",
        },
        {
            content: "Pick the support type",
            trigger: ".o_support_quick_timer_type",
            run: "selectByLabel Tour Remote",
        },
        {
            content: "Save",
            trigger: ".o_support_quick_timer_save",
            run: "click",
        },
        {
            content: "The panel closes and no timer runs any more",
            trigger:
                ".o_support_quick_timer:not(.o_support_quick_timer_running):not(:has(.o_support_quick_timer_elapsed))",
        },
        {
            content: "The panel is closed",
            trigger: "body:not(:has(.o_support_quick_timer_menu))",
        },
    ];
}

registry.category("web_tour.tours").add("it_support_time_quick_timer", {
    url: "/odoo",
    steps: () => quickTimerSteps({ small: false }),
});

registry.category("web_tour.tours").add("it_support_time_quick_timer_mobile", {
    url: "/odoo",
    steps: () => quickTimerSteps({ small: true }),
});
