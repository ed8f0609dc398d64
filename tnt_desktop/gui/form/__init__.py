"""The form screen: one CRF form of one visit, generated from the study definition.

`view.FormView` is the screen; beside it live what it is built from — the item editors
(`item_editor`, `choice_editors`, `item_widgets`), the repeating groups (`row_table`,
`row_detail`), the dialogs it asks (`dialogs`), and the review around it (`review`: queries in
`query_panel`, SDV marks, signatures). Nothing in this package imports the view back.
"""
