// module script of t/37_policy_chromium.t
export const ran = true;
window.ehModuleRan = true;
