"""Pure rule functions: binding indicators, scoring, conclusion rules, deadlines. No Flask here."""
