"""The rules whose errors mean a file's records cannot be read exactly (broken quoting,
ragged rows, names that are no field, broken markup): convert and split always run them,
whatever the selection, and refuse a file they find errors in: the output would not say
what the source says."""
STRUCTURAL = ("F001", "F005", "F006", "Q002", "Q003", "Q004", "Q005", "Q006", "H001", "H002", "H003",
              "H004", "H005", "H007", "X001", "X003", "X004", "X005", "X006", "X007", "X009")
