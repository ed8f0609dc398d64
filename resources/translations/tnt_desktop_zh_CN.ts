<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>AdminView</name>
    <message>
        <source>Administration — site {site}</source>
        <translation>系统管理 — 中心 {site}</translation>
    </message>
    <message>
        <source>Users</source>
        <translation>用户</translation>
    </message>
    <message>
        <source>Consent versions</source>
        <translation>知情同意书版本</translation>
    </message>
    <message>
        <source>Backups</source>
        <translation>备份</translation>
    </message>
    <message>
        <source>Sponsor export</source>
        <translation>申办方导出</translation>
    </message>
    <message>
        <source>Verify database</source>
        <translation>校验数据库</translation>
    </message>
</context>
<context>
    <name>App</name>
    <message>
        <source>Preparing the demo database (synthetic data)…</source>
        <translation>正在准备演示数据库（模拟数据）…</translation>
    </message>
    <message>
        <source>%v of %m subjects</source>
        <translation>%v / %m 名受试者</translation>
    </message>
</context>
<context>
    <name>BackupTab</name>
    <message>
        <source>The database is backed up, encrypted, once a day while someone is signed in and at every sign-out; the newest backups are kept.</source>
        <translation>有用户登录时，数据库每天自动加密备份一次，每次退出登录时也会备份；保留最新的若干份备份。</translation>
    </message>
    <message>
        <source>Backup folder</source>
        <translation>备份文件夹</translation>
    </message>
    <message>
        <source>Backups to keep</source>
        <translation>保留备份数</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>选择…</translation>
    </message>
    <message>
        <source>Save settings</source>
        <translation>保存设置</translation>
    </message>
    <message>
        <source>Back up now</source>
        <translation>立即备份</translation>
    </message>
    <message>
        <source>Last backup: {when}</source>
        <translation>最近备份：{when}</translation>
    </message>
    <message>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <source>Settings saved.</source>
        <translation>设置已保存。</translation>
    </message>
    <message>
        <source>Backing up…</source>
        <translation>正在备份…</translation>
    </message>
    <message>
        <source>Backup written: {path}</source>
        <translation>备份已写入：{path}</translation>
    </message>
</context>
<context>
    <name>CasebookView</name>
    <message>
        <source>Visit / form</source>
        <translation>访视 / 表单</translation>
    </message>
    <message>
        <source>Window</source>
        <translation>访视窗</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>&amp;Enrol</source>
        <translation>入组(&amp;E)</translation>
    </message>
    <message>
        <source>Screen &amp;failure…</source>
        <translation>筛选失败(&amp;F)…</translation>
    </message>
    <message>
        <source>Assign the next study ID (eligible subjects only)</source>
        <translation>分配下一个受试者编号（仅限符合入组条件的受试者）</translation>
    </message>
    <message>
        <source>Record why this person is not enrolled</source>
        <translation>记录该受试者未入组的原因</translation>
    </message>
    <message>
        <source>No subject open</source>
        <translation>未打开受试者</translation>
    </message>
    <message>
        <source>Screening no. {number}</source>
        <translation>筛选号 {number}</translation>
    </message>
    <message>
        <source>Status: {status}</source>
        <translation>状态：{status}</translation>
    </message>
    <message>
        <source>Stage: {stage}</source>
        <translation>阶段：{stage}</translation>
    </message>
    <message>
        <source>Next visit: {visit}, window {window} ({state})</source>
        <translation>下次访视：{visit}，访视窗 {window}（{state}）</translation>
    </message>
    <message>
        <source>Next visit: {visit} ({state})</source>
        <translation>下次访视：{visit}（{state}）</translation>
    </message>
    <message>
        <source>Screen failure: {reason}</source>
        <translation>筛选失败：{reason}</translation>
    </message>
    <message>
        <source>Eligible: every inclusion criterion is met and no exclusion criterion applies.</source>
        <translation>符合入组条件：满足全部入选标准，且不符合任何排除标准。</translation>
    </message>
    <message>
        <source>Not eligible. Criteria not satisfied:</source>
        <translation>不符合入组条件。未满足的标准：</translation>
    </message>
    <message>
        <source>Eligibility not yet known: {n} criteria unanswered in F01 (Inclusion/exclusion):</source>
        <translation>入组资格尚未确定：F01（入选/排除标准）中有 {n} 条标准未回答：</translation>
    </message>
    <message>
        <source>Mark F01 (Inclusion/exclusion) complete before enrolling.</source>
        <translation>入组前请先将 F01（入选/排除标准）标记为完成。</translation>
    </message>
    <message>
        <source>Target date: {date}</source>
        <translation>目标日期：{date}</translation>
    </message>
    <message>
        <source>Window: {window}</source>
        <translation>访视窗：{window}</translation>
    </message>
    <message>
        <source>Last saved {when}</source>
        <translation>最后保存于 {when}</translation>
    </message>
    <message>
        <source>Not started</source>
        <translation>未开始</translation>
    </message>
    <message>
        <source>In progress</source>
        <translation>填写中</translation>
    </message>
    <message>
        <source>Complete</source>
        <translation>已完成</translation>
    </message>
    <message>
        <source>{status}, errors</source>
        <translation>{status}，有错误</translation>
    </message>
    <message>
        <source>{status}, warnings</source>
        <translation>{status}，有警告</translation>
    </message>
    <message>
        <source>Enrol subject</source>
        <translation>受试者入组</translation>
    </message>
    <message>
        <source>Enrol {number} and assign the next study ID? This cannot be undone.</source>
        <translation>确定将 {number} 入组并分配下一个受试者编号吗？此操作无法撤销。</translation>
    </message>
    <message>
        <source>Enrolled: study ID {id} assigned to {number}.</source>
        <translation>已入组：{number} 的受试者编号为 {id}。</translation>
    </message>
    <message>
        <source>{number} recorded as a screen failure.</source>
        <translation>{number} 已记录为筛选失败。</translation>
    </message>
</context>
<context>
    <name>ConsentTab</name>
    <message>
        <source>Consent versions cannot be managed in this build.</source>
        <translation>此版本无法管理知情同意书版本。</translation>
    </message>
    <message>
        <source>The informed-consent versions the ethics committee approved; F01 offers them.</source>
        <translation>伦理委员会批准的知情同意书版本；F01 中可供选择。</translation>
    </message>
    <message>
        <source>Version</source>
        <translation>版本</translation>
    </message>
    <message>
        <source>Version date</source>
        <translation>版本日期</translation>
    </message>
    <message>
        <source>Approved on</source>
        <translation>批准日期</translation>
    </message>
    <message>
        <source>&amp;Add version…</source>
        <translation>添加版本(&amp;A)…</translation>
    </message>
</context>
<context>
    <name>ConsentVersionDialog</name>
    <message>
        <source>New consent version</source>
        <translation>新的知情同意书版本</translation>
    </message>
    <message>
        <source>e.g. V2.0</source>
        <translation>例如 V2.0</translation>
    </message>
    <message>
        <source>Version</source>
        <translation>版本</translation>
    </message>
    <message>
        <source>Version date</source>
        <translation>版本日期</translation>
    </message>
    <message>
        <source>Ethics approval date</source>
        <translation>伦理批准日期</translation>
    </message>
</context>
<context>
    <name>DashboardView</name>
    <message>
        <source>Screened</source>
        <translation>已筛选</translation>
    </message>
    <message>
        <source>Enrolled</source>
        <translation>已入组</translation>
    </message>
    <message>
        <source>Last backup</source>
        <translation>最近备份</translation>
    </message>
    <message>
        <source>Last export</source>
        <translation>最近导出</translation>
    </message>
    <message>
        <source>Queries</source>
        <translation>质疑</translation>
    </message>
    <message>
        <source>Critical items verified</source>
        <translation>关键条目已核查</translation>
    </message>
    <message>
        <source>Enrolment against the target</source>
        <translation>入组进度（对照目标）</translation>
    </message>
    <message>
        <source>Forms with errors or warnings</source>
        <translation>存在错误或警告的表单</translation>
    </message>
    <message>
        <source>Subject</source>
        <translation>受试者</translation>
    </message>
    <message>
        <source>Visit</source>
        <translation>访视</translation>
    </message>
    <message>
        <source>Window</source>
        <translation>访视窗</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Form</source>
        <translation>表单</translation>
    </message>
    <message>
        <source>Problem</source>
        <translation>问题</translation>
    </message>
    <message>
        <source>Subjects by current stage</source>
        <translation>各阶段受试者（当前）</translation>
    </message>
    <message>
        <source>Last saved</source>
        <translation>最后保存</translation>
    </message>
    <message>
        <source>Loading the dashboard…</source>
        <translation>正在加载仪表盘…</translation>
    </message>
    <message>
        <source>Visits due in the next {n} days and overdue</source>
        <translation>未来 {n} 天内到期及已逾期的访视</translation>
    </message>
    <message>
        <source>{n} of {target} ({percent}%)</source>
        <translation>{n} / {target}（{percent}%）</translation>
    </message>
    <message>
        <source>{open} open · {answered} answered</source>
        <translation>{open} 待回复 · {answered} 已回复</translation>
    </message>
    <message>
        <source>Critical items (100 % SDV plan) verified against source; all items: {v} / {t}</source>
        <translation>已与源文件核对的关键条目（100% 源数据核查计划）；全部条目：{v} / {t}</translation>
    </message>
    <message>
        <source>Last export — due</source>
        <translation>最近导出 — 需要导出</translation>
    </message>
    <message>
        <source>Enrolled, treatment not started</source>
        <translation>已入组，尚未开始治疗</translation>
    </message>
    <message>
        <source>Opens {date}</source>
        <translation>{date} 起开放</translation>
    </message>
    <message>
        <source>Errors and warnings</source>
        <translation>错误和警告</translation>
    </message>
    <message>
        <source>Errors</source>
        <translation>错误</translation>
    </message>
    <message>
        <source>Warnings</source>
        <translation>警告</translation>
    </message>
    <message>
        <source>never</source>
        <translation>从未</translation>
    </message>
</context>
<context>
    <name>EnrolmentChart</name>
    <message>
        <source>Enrolment chart</source>
        <translation>入组图表</translation>
    </message>
    <message>
        <source>{n} of {target} enrolled</source>
        <translation>已入组 {n} / {target}</translation>
    </message>
    <message>
        <source>No subject enrolled yet</source>
        <translation>尚无受试者入组</translation>
    </message>
    <message>
        <source>Target {n}</source>
        <translation>目标 {n}</translation>
    </message>
    <message>
        <source>Enrolled per month</source>
        <translation>每月入组</translation>
    </message>
    <message>
        <source>Cumulative</source>
        <translation>累计</translation>
    </message>
    <message>
        <source>Target</source>
        <translation>目标</translation>
    </message>
</context>
<context>
    <name>Errors</name>
    <message>
        <source>An unexpected error occurred ({kind}). Your saved data are safe. Please note what you were doing and send the log file to support: {log}</source>
        <translation>发生意外错误（{kind}）。已保存的数据不受影响。请记下您当时正在进行的操作，并将日志文件发送给技术支持：{log}</translation>
    </message>
    <message>
        <source>TNT Desktop</source>
        <translation>TNT Desktop</translation>
    </message>
</context>
<context>
    <name>ExportDialog</name>
    <message>
        <source>Export for the sponsor</source>
        <translation>为申办方导出</translation>
    </message>
    <message>
        <source>Exports the coded study data for the sponsor: no names or other identifiers. Every export is recorded in the export log and the audit trail.</source>
        <translation>为申办方导出编码后的研究数据：不含姓名或其他身份识别信息。每次导出都会记录在导出日志和稽查轨迹中。</translation>
    </message>
    <message>
        <source>Formats</source>
        <translation>格式</translation>
    </message>
    <message>
        <source>CSV tables (one file per form, with R and SAS readers)</source>
        <translation>CSV 表格（每个表单一个文件，附 R 和 SAS 读取程序）</translation>
    </message>
    <message>
        <source>PDF (subject casebooks, blank annotated CRF)</source>
        <translation>PDF（受试者病例报告、空白注释 CRF）</translation>
    </message>
    <message>
        <source>CDISC ODM snapshot (current values)</source>
        <translation>CDISC ODM 快照（当前值）</translation>
    </message>
    <message>
        <source>CDISC ODM transactional (with the audit trail)</source>
        <translation>CDISC ODM 事务型（含稽查轨迹）</translation>
    </message>
    <message>
        <source>CDISC Define-XML 2.1 (define.xml: metadata of the datasets)</source>
        <translation>CDISC Define-XML 2.1（define.xml：数据集元数据）</translation>
    </message>
    <message>
        <source>CDISC Dataset-JSON 1.1 (one file per dataset)</source>
        <translation>CDISC Dataset-JSON 1.1（每个数据集一个文件）</translation>
    </message>
    <message>
        <source>Destination</source>
        <translation>导出位置</translation>
    </message>
    <message>
        <source>&amp;Folder:</source>
        <translation>文件夹(&amp;F)：</translation>
    </message>
    <message>
        <source>C&amp;hoose…</source>
        <translation>选择(&amp;H)…</translation>
    </message>
    <message>
        <source>&amp;Encrypted package (.zip.gpg)</source>
        <translation>加密数据包（.zip.gpg）(&amp;E)</translation>
    </message>
    <message>
        <source>Plain folder (&amp;not encrypted)</source>
        <translation>普通文件夹（不加密）(&amp;N)</translation>
    </message>
    <message>
        <source>Encrypt for</source>
        <translation>加密对象</translation>
    </message>
    <message>
        <source>Sponsor &amp;key</source>
        <translation>申办方公钥(&amp;K)</translation>
    </message>
    <message>
        <source>No sponsor key is set in the study settings.</source>
        <translation>研究设置中未配置申办方公钥。</translation>
    </message>
    <message>
        <source>Public key f&amp;ile</source>
        <translation>公钥文件(&amp;I)</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>选择…</translation>
    </message>
    <message>
        <source>OpenPGP public key (.asc)</source>
        <translation>OpenPGP 公钥（.asc）</translation>
    </message>
    <message>
        <source>&amp;Passphrase</source>
        <translation>口令(&amp;P)</translation>
    </message>
    <message>
        <source>At least {n} characters</source>
        <translation>至少 {n} 个字符</translation>
    </message>
    <message>
        <source>&amp;Repeat:</source>
        <translation>再次输入(&amp;R)：</translation>
    </message>
    <message>
        <source>Data cut-o&amp;ff:</source>
        <translation>数据截止日(&amp;F)：</translation>
    </message>
    <message>
        <source>The data cut-off: the report counts follow-up, survival and wound checks up to this day. Today unless the data manager chose an earlier day.</source>
        <translation>数据截止日：报告中的随访、生存和伤口检查统计到此日为止。默认为今天，数据管理员可选择更早的日期。</translation>
    </message>
    <message>
        <source>P&amp;urpose (optional):</source>
        <translation>用途（可选）(&amp;U)：</translation>
    </message>
    <message>
        <source>e.g. weekly transfer</source>
        <translation>例如：每周传输</translation>
    </message>
    <message>
        <source>E&amp;xport</source>
        <translation>导出(&amp;X)</translation>
    </message>
    <message>
        <source>&amp;Cancel export</source>
        <translation>取消导出(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;Show in folder</source>
        <translation>在文件夹中显示(&amp;S)</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Only the encrypted file and its SHA-256 file are written; nothing readable reaches the disk.</source>
        <translation>只写出加密文件及其 SHA-256 校验文件；不会有任何可读内容写入磁盘。</translation>
    </message>
    <message>
        <source>A plain folder is not encrypted: keep it on this computer or an encrypted drive, and never send it by e-mail.</source>
        <translation>普通文件夹未加密：请仅保存在本机或加密的存储设备上，切勿通过电子邮件发送。</translation>
    </message>
    <message>
        <source>Choose the export folder</source>
        <translation>选择导出文件夹</translation>
    </message>
    <message>
        <source>Choose the recipient&apos;s public key</source>
        <translation>选择接收方公钥</translation>
    </message>
    <message>
        <source>OpenPGP keys (*.asc *.gpg *.pgp *.key);;All files (*)</source>
        <translation>OpenPGP 密钥 (*.asc *.gpg *.pgp *.key);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Cannot read {path}: {why}</source>
        <translation>无法读取 {path}：{why}</translation>
    </message>
    <message>
        <source>Choose at least one format.</source>
        <translation>请至少选择一种格式。</translation>
    </message>
    <message>
        <source>Choose the folder to export to.</source>
        <translation>请选择导出文件夹。</translation>
    </message>
    <message>
        <source>Choose the recipient&apos;s public key file.</source>
        <translation>请选择接收方的公钥文件。</translation>
    </message>
    <message>
        <source>The passphrase must have at least {n} characters.</source>
        <translation>口令至少需要 {n} 个字符。</translation>
    </message>
    <message>
        <source>The two passphrases do not match.</source>
        <translation>两次输入的口令不一致。</translation>
    </message>
    <message>
        <source>No sponsor key is set: choose a public key file or a passphrase.</source>
        <translation>未配置申办方公钥：请选择公钥文件或输入口令。</translation>
    </message>
    <message>
        <source>Starting the export…</source>
        <translation>正在开始导出…</translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation>正在取消…</translation>
    </message>
    <message>
        <source>Export finished.</source>
        <translation>导出完成。</translation>
    </message>
    <message>
        <source>Package: {path}</source>
        <translation>数据包：{path}</translation>
    </message>
    <message>
        <source>SHA-256: {sha}</source>
        <translation>SHA-256：{sha}</translation>
    </message>
    <message>
        <source>Folder: {path}</source>
        <translation>文件夹：{path}</translation>
    </message>
    <message>
        <source>Export cancelled; nothing was written.</source>
        <translation>导出已取消；未写出任何文件。</translation>
    </message>
</context>
<context>
    <name>ExportTab</name>
    <message>
        <source>How often the data manager sends the sponsor an export, and the sponsor&apos;s public key the export packages are encrypted to.</source>
        <translation>数据管理员向申办方发送导出数据的频率，以及用于加密导出数据包的申办方公钥。</translation>
    </message>
    <message>
        <source>Export every (days)</source>
        <translation>导出间隔（天）</translation>
    </message>
    <message>
        <source>Sponsor&apos;s public key</source>
        <translation>申办方公钥</translation>
    </message>
    <message>
        <source>Save schedule</source>
        <translation>保存计划</translation>
    </message>
    <message>
        <source>Load key from file…</source>
        <translation>从文件载入公钥…</translation>
    </message>
    <message>
        <source>Remove key</source>
        <translation>移除公钥</translation>
    </message>
    <message>
        <source>Save the site&apos;s public key…</source>
        <translation>保存中心公钥…</translation>
    </message>
    <message>
        <source>The sponsor needs it once, to check that packages come from this site.</source>
        <translation>申办方需要一次，用于核实数据包来自本中心。</translation>
    </message>
    <message>
        <source>none — packages cannot be made</source>
        <translation>无 — 无法生成加密数据包</translation>
    </message>
    <message>
        <source>Schedule saved.</source>
        <translation>导出计划已保存。</translation>
    </message>
    <message>
        <source>OpenPGP keys (*.asc *.pgp *.gpg);;All files (*)</source>
        <translation>OpenPGP 密钥 (*.asc *.pgp *.gpg);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Key saved: {key}</source>
        <translation>公钥已保存：{key}</translation>
    </message>
    <message>
        <source>Save the site&apos;s public key</source>
        <translation>保存中心公钥</translation>
    </message>
    <message>
        <source>Cannot write {path}: {why}</source>
        <translation>无法写入 {path}：{why}</translation>
    </message>
    <message>
        <source>The site&apos;s public key is in {path}; give it to the sponsor once.</source>
        <translation>中心公钥已写入 {path}；请将其交给申办方一次。</translation>
    </message>
</context>
<context>
    <name>FormReview</name>
    <message>
        <source>critical item (100 % SDV)</source>
        <translation>关键条目（100% 源数据核查）</translation>
    </message>
    <message>
        <source>SDV: critical {cv} / {ct} · all items {v} / {t}</source>
        <translation>源数据核查：关键条目 {cv} / {ct} · 全部条目 {v} / {t}</translation>
    </message>
    <message>
        <source>{n} mark(s) stale: the value changed since</source>
        <translation>{n} 个核查标记已过期：之后数值有改动</translation>
    </message>
    <message>
        <source>Remove SDV mark</source>
        <translation>撤销源数据核查标记</translation>
    </message>
    <message>
        <source>Why is the verification of this item withdrawn?</source>
        <translation>为什么撤销该条目的核查？</translation>
    </message>
</context>
<context>
    <name>FormView</name>
    <message>
        <source>Help: {label}</source>
        <translation>帮助：{label}</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <source>Save the form (Ctrl+S)</source>
        <translation>保存表单（Ctrl+S）</translation>
    </message>
    <message>
        <source>Mark complete</source>
        <translation>标记为完成</translation>
    </message>
    <message>
        <source>Save and mark the form complete: every required answer must be given</source>
        <translation>保存并将表单标记为完成：所有必填项均须填写</translation>
    </message>
    <message>
        <source>Calculated by the system</source>
        <translation>由系统计算</translation>
    </message>
    <message>
        <source>not started</source>
        <translation>未开始</translation>
    </message>
    <message>
        <source>in progress</source>
        <translation>填写中</translation>
    </message>
    <message>
        <source>complete</source>
        <translation>已完成</translation>
    </message>
    <message>
        <source>Subject {key}</source>
        <translation>受试者 {key}</translation>
    </message>
    <message>
        <source>Status: {status}</source>
        <translation>状态：{status}</translation>
    </message>
    <message>
        <source>version {n}</source>
        <translation>版本 {n}</translation>
    </message>
    <message>
        <source>read-only for your role</source>
        <translation>当前角色只读</translation>
    </message>
    <message>
        <source>identifying items are not shown to your role</source>
        <translation>当前角色不可查看身份识别信息</translation>
    </message>
    <message>
        <source>Unsaved changes</source>
        <translation>有未保存的更改</translation>
    </message>
    <message>
        <source>{message} — confirmed: {reason}</source>
        <translation>{message}（已确认：{reason}）</translation>
    </message>
    <message>
        <source>Not saved: the form is read-only.</source>
        <translation>未保存：该表单为只读。</translation>
    </message>
    <message>
        <source>{item}, row {n}</source>
        <translation>{item}，第 {n} 行</translation>
    </message>
    <message>
        <source>{item}, removed row</source>
        <translation>{item}，已删除的行</translation>
    </message>
    <message>
        <source>Nothing to save</source>
        <translation>没有需要保存的内容</translation>
    </message>
    <message>
        <source>Not saved: a reason for change is needed.</source>
        <translation>未保存：需要填写修改原因。</translation>
    </message>
    <message>
        <source>Not saved: the warnings need a reason.</source>
        <translation>未保存：需要说明警告的原因。</translation>
    </message>
    <message>
        <source>Not saved.</source>
        <translation>未保存。</translation>
    </message>
    <message>
        <source>Saved (version {n})</source>
        <translation>已保存（版本 {n}）</translation>
    </message>
    <message>
        <source>Not saved: {n} error(s) to correct — see the fields marked in red.</source>
        <translation>未保存：有 {n} 处错误需要更正，请查看红色标记的字段。</translation>
    </message>
</context>
<context>
    <name>FormWorkflowBar</name>
    <message>
        <source>&amp;Verify form (SDV)</source>
        <translation>核查表单（SDV）(&amp;V)</translation>
    </message>
    <message>
        <source>Record that every value of this form was checked against the source</source>
        <translation>记录本表单的每个数值均已与源文件核对</translation>
    </message>
    <message>
        <source>&amp;Lock form</source>
        <translation>锁定表单(&amp;L)</translation>
    </message>
    <message>
        <source>&amp;Unlock form…</source>
        <translation>解锁表单(&amp;U)…</translation>
    </message>
</context>
<context>
    <name>ItemEditor</name>
    <message>
        <source>Not done</source>
        <translation>未做</translation>
    </message>
    <message>
        <source>Unknown</source>
        <translation>未知</translation>
    </message>
    <message>
        <source>Not applicable</source>
        <translation>不适用</translation>
    </message>
    <message>
        <source>Shift+F10: record a reason for missing</source>
        <translation>Shift+F10：记录缺失原因</translation>
    </message>
    <message>
        <source>Record a reason for missing (not done, unknown, not applicable) instead of a value</source>
        <translation>不填写数值，改为记录缺失原因（未做、未知、不适用）</translation>
    </message>
    <message>
        <source>Reason for missing; press to enter a value instead</source>
        <translation>缺失原因；点击可改为填写数值</translation>
    </message>
    <message>
        <source>Enter a value instead</source>
        <translation>改为填写数值</translation>
    </message>
    <message>
        <source>YYYY-MM-DD</source>
        <translation>YYYY-MM-DD</translation>
    </message>
    <message>
        <source>YYYY, YYYY-MM or YYYY-MM-DD</source>
        <translation>YYYY、YYYY-MM 或 YYYY-MM-DD</translation>
    </message>
    <message>
        <source>HH:MM</source>
        <translation>HH:MM</translation>
    </message>
    <message>
        <source>YYYY-MM-DDTHH:MM</source>
        <translation>YYYY-MM-DDTHH:MM</translation>
    </message>
    <message>
        <source>YYYY[-MM[-DD]]</source>
        <translation>YYYY[-MM[-DD]]</translation>
    </message>
    <message>
        <source>Choose from a calendar (F4)</source>
        <translation>从日历中选择（F4）</translation>
    </message>
    <message>
        <source>Calculated by the system</source>
        <translation>由系统计算</translation>
    </message>
</context>
<context>
    <name>ItemMarks</name>
    <message>
        <source>Critical item: 100 % source data verification</source>
        <translation>关键条目：100% 源数据核查</translation>
    </message>
    <message>
        <source>SDV</source>
        <translation>核查</translation>
    </message>
    <message>
        <source>Nothing stored yet to verify</source>
        <translation>尚无已保存的数据可核查</translation>
    </message>
    <message>
        <source>SDV: changed</source>
        <translation>核查：已改动</translation>
    </message>
    <message>
        <source>Verified by {user} on {when}, but the value changed since: verify it again</source>
        <translation>已由 {user} 于 {when} 核查，但之后数值有改动：请重新核查</translation>
    </message>
    <message>
        <source>Verified against source by {user} on {when}</source>
        <translation>已由 {user} 于 {when} 与源文件核对</translation>
    </message>
    <message>
        <source>Tick when the value matches the source document</source>
        <translation>数值与源文件一致时勾选</translation>
    </message>
</context>
<context>
    <name>LockOverlay</name>
    <message>
        <source>Screen locked. {user}, enter your password to continue; your unsaved input is kept.</source>
        <translation>屏幕已锁定。{user}，请输入密码继续；未保存的输入会保留。</translation>
    </message>
    <message>
        <source>Locked after inactivity. {user}, enter your password to continue; your unsaved input is kept.</source>
        <translation>因长时间无操作已锁定。{user}，请输入密码以继续；未保存的输入内容将会保留。</translation>
    </message>
    <message>
        <source>Unlock</source>
        <translation>解锁</translation>
    </message>
</context>
<context>
    <name>LoginDialog</name>
    <message>
        <source>Database: {path}</source>
        <translation>数据库：{path}</translation>
    </message>
    <message>
        <source>Sign in</source>
        <translation>登录</translation>
    </message>
    <message>
        <source>Demo database (synthetic data). Accounts: admin, coordinator, investigator, monitor, datamanager — password: {password}</source>
        <translation>演示数据库（模拟数据）。账号：admin、coordinator、investigator、monitor、datamanager，密码均为：{password}</translation>
    </message>
    <message>
        <source>Enter your user name and password.</source>
        <translation>请输入用户名和密码。</translation>
    </message>
    <message>
        <source>You must choose a new password to continue.</source>
        <translation>您必须设置新密码才能继续。</translation>
    </message>
    <message>
        <source>TNT Desktop — sign in</source>
        <translation>TNT Desktop — 登录</translation>
    </message>
    <message>
        <source>TNT-STS electronic case report form</source>
        <translation>TNT-STS 电子病例报告表</translation>
    </message>
    <message>
        <source>&amp;User name</source>
        <translation>用户名(&amp;U)</translation>
    </message>
    <message>
        <source>&amp;Password</source>
        <translation>密码(&amp;P)</translation>
    </message>
    <message>
        <source>&amp;Language</source>
        <translation>语言(&amp;L)</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>{app} — TNT-STS eCRF</source>
        <translation>{app} — TNT-STS 电子病例报告表</translation>
    </message>
    <message>
        <source>&amp;Dashboard</source>
        <translation>仪表盘(&amp;D)</translation>
    </message>
    <message>
        <source>&amp;Subjects</source>
        <translation>受试者(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Administration</source>
        <translation>系统管理(&amp;A)</translation>
    </message>
    <message>
        <source>&amp;New screening</source>
        <translation>新建筛选(&amp;N)</translation>
    </message>
    <message>
        <source>&amp;Save form</source>
        <translation>保存表单(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Back up now</source>
        <translation>立即备份(&amp;B)</translation>
    </message>
    <message>
        <source>&amp;Export for the sponsor…</source>
        <translation>为申办方导出(&amp;E)…</translation>
    </message>
    <message>
        <source>Change &amp;password</source>
        <translation>修改密码(&amp;P)</translation>
    </message>
    <message>
        <source>&amp;Lock screen</source>
        <translation>锁定屏幕(&amp;L)</translation>
    </message>
    <message>
        <source>Sign &amp;out / switch user</source>
        <translation>退出登录 / 切换用户(&amp;O)</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;About TNT Desktop</source>
        <translation>关于 TNT Desktop(&amp;A)</translation>
    </message>
    <message>
        <source>Export</source>
        <translation>导出</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;Data management</source>
        <translation>数据管理(&amp;D)</translation>
    </message>
    <message>
        <source>&amp;Lock database…</source>
        <translation>锁定数据库(&amp;L)…</translation>
    </message>
    <message>
        <source>&amp;Unlock database…</source>
        <translation>解锁数据库(&amp;U)…</translation>
    </message>
    <message>
        <source>&amp;Language</source>
        <translation>语言(&amp;L)</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>Choose a form in the casebook on the left.</source>
        <translation>请在左侧的访视列表中选择一个表单。</translation>
    </message>
    <message>
        <source>User: {name} ({role})</source>
        <translation>用户：{name}（{role}）</translation>
    </message>
    <message>
        <source>Site {site}</source>
        <translation>中心 {site}</translation>
    </message>
    <message>
        <source>Database: {name}</source>
        <translation>数据库：{name}</translation>
    </message>
    <message>
        <source>Last backup: none</source>
        <translation>最近备份：无</translation>
    </message>
    <message>
        <source>Last backup: {when}</source>
        <translation>最近备份：{when}</translation>
    </message>
    <message>
        <source>Export due: none made yet</source>
        <translation>需要导出：尚未导出过</translation>
    </message>
    <message>
        <source>Export due since {date}</source>
        <translation>自 {date} 起需要导出</translation>
    </message>
    <message>
        <source>Next export {date}</source>
        <translation>下次导出 {date}</translation>
    </message>
    <message>
        <source>Database locked</source>
        <translation>数据库已锁定</translation>
    </message>
    <message>
        <source>No data can change until a data manager unlocks the database with a reason.</source>
        <translation>在数据管理员填写原因解锁数据库之前，任何数据均不能修改。</translation>
    </message>
    <message>
        <source>Locks in {m}:{s:02d}</source>
        <translation>{m}:{s:02d} 后锁定</translation>
    </message>
    <message>
        <source>Unsaved changes</source>
        <translation>未保存的更改</translation>
    </message>
    <message>
        <source>This form has changes that are not saved. Save them now?</source>
        <translation>此表单有未保存的更改。是否立即保存？</translation>
    </message>
    <message>
        <source>Screening {number} opened</source>
        <translation>已创建筛选号 {number}</translation>
    </message>
    <message>
        <source>Backup written: {path}</source>
        <translation>备份已保存：{path}</translation>
    </message>
    <message>
        <source>Backing up…</source>
        <translation>正在备份…</translation>
    </message>
    <message>
        <source>Export written: {path}</source>
        <translation>导出已写出：{path}</translation>
    </message>
    <message>
        <source>{app} {version}</source>
        <translation>{app} {version}</translation>
    </message>
    <message>
        <source>Electronic case report form of the TNT-STS trial (NCT06593899).</source>
        <translation>TNT-STS 试验（NCT06593899）电子病例报告表。</translation>
    </message>
    <message>
        <source>Fujian Medical University Union Hospital</source>
        <translation>福建医科大学附属协和医院</translation>
    </message>
    <message>
        <source>About TNT Desktop</source>
        <translation>关于 TNT Desktop</translation>
    </message>
</context>
<context>
    <name>NewUserDialog</name>
    <message>
        <source>New user account</source>
        <translation>新建用户账户</translation>
    </message>
    <message>
        <source>letters, digits, . _ -</source>
        <translation>字母、数字、. _ -</translation>
    </message>
    <message>
        <source>User name</source>
        <translation>用户名</translation>
    </message>
    <message>
        <source>Full name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>Role</source>
        <translation>角色</translation>
    </message>
</context>
<context>
    <name>OverrideDialog</name>
    <message>
        <source>Confirm warnings</source>
        <translation>确认警告</translation>
    </message>
    <message>
        <source>The values below are unusual. Check them against the source document. To save them as they are, give the reason for each (for example, what the source says).</source>
        <translation>以下数值异常，请与源文件核对。如需按原值保存，请逐项说明理由（例如源文件中的记录）。</translation>
    </message>
    <message>
        <source>Reason the value is correct</source>
        <translation>该数值正确的理由</translation>
    </message>
    <message>
        <source>Use the first reason for &amp;all</source>
        <translation>全部使用第一条理由(&amp;A)</translation>
    </message>
</context>
<context>
    <name>PasswordDialog</name>
    <message>
        <source>Change password</source>
        <translation>修改密码</translation>
    </message>
    <message>
        <source>Current password</source>
        <translation>当前密码</translation>
    </message>
    <message>
        <source>New password</source>
        <translation>新密码</translation>
    </message>
    <message>
        <source>Repeat new password</source>
        <translation>确认新密码</translation>
    </message>
    <message>
        <source>An administrator reset your password: choose your own to continue.</source>
        <translation>管理员已重置您的密码：请设置您自己的密码后继续。</translation>
    </message>
    <message>
        <source>At least 10 characters, not your user name.</source>
        <translation>至少 10 个字符，且不能与用户名相同。</translation>
    </message>
    <message>
        <source>The new passwords do not match.</source>
        <translation>两次输入的新密码不一致。</translation>
    </message>
</context>
<context>
    <name>PasswordRules</name>
    <message>
        <source>both entries the same</source>
        <translation>两次输入一致</translation>
    </message>
    <message>
        <source>the two entries differ</source>
        <translation>两次输入不一致</translation>
    </message>
</context>
<context>
    <name>QueryBadge</name>
    <message>
        <source>{n} open query(ies)</source>
        <translation>{n} 条待回复质疑</translation>
    </message>
    <message>
        <source>{n} answered query(ies)</source>
        <translation>{n} 条已回复质疑</translation>
    </message>
</context>
<context>
    <name>QueryPanel</name>
    <message>
        <source>Raise query…</source>
        <translation>发起质疑…</translation>
    </message>
    <message>
        <source>Raise a query on the item with the caret, or on the whole form</source>
        <translation>对光标所在条目或整张表单发起质疑</translation>
    </message>
    <message>
        <source>Answer…</source>
        <translation>回复…</translation>
    </message>
    <message>
        <source>Close query</source>
        <translation>关闭质疑</translation>
    </message>
    <message>
        <source>Re-open…</source>
        <translation>重新打开…</translation>
    </message>
    <message>
        <source>Item</source>
        <translation>条目</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Queries: {open} open · {answered} answered · {closed} closed</source>
        <translation>质疑：{open} 待回复 · {answered} 已回复 · {closed} 已关闭</translation>
    </message>
    <message>
        <source>Select a query to read its thread.</source>
        <translation>选择一条质疑以查看其往来记录。</translation>
    </message>
    <message>
        <source>No queries on this form.</source>
        <translation>本表单没有质疑。</translation>
    </message>
    <message>
        <source>system</source>
        <translation>系统</translation>
    </message>
    <message>
        <source>Whole form</source>
        <translation>整张表单</translation>
    </message>
    <message>
        <source>{group}, row {n}</source>
        <translation>{group}，第 {n} 行</translation>
    </message>
    <message>
        <source>{item}, row {n}</source>
        <translation>{item}，第 {n} 行</translation>
    </message>
    <message>
        <source>Raise query</source>
        <translation>发起质疑</translation>
    </message>
    <message>
        <source>&amp;Question to the site:</source>
        <translation>向研究中心提出的问题(&amp;Q)：</translation>
    </message>
    <message>
        <source>Answer query #{id}</source>
        <translation>回复质疑 #{id}</translation>
    </message>
    <message>
        <source>&amp;Answer (if the data are wrong, correct them in the form and save; the reason for change offers this query):</source>
        <translation>回复(&amp;A)（如数据有误，请在表单中更正并保存；修改原因中可选择本质疑）：</translation>
    </message>
    <message>
        <source>Close query #{id}</source>
        <translation>关闭质疑 #{id}</translation>
    </message>
    <message>
        <source>&amp;Comment (optional):</source>
        <translation>备注（可选）(&amp;C)：</translation>
    </message>
    <message>
        <source>Re-open query #{id}</source>
        <translation>重新打开质疑 #{id}</translation>
    </message>
    <message>
        <source>&amp;Why is the query re-opened?</source>
        <translation>为什么重新打开该质疑(&amp;W)？</translation>
    </message>
</context>
<context>
    <name>QueryTextDialog</name>
    <message>
        <source>&amp;On:</source>
        <translation>针对(&amp;O)：</translation>
    </message>
</context>
<context>
    <name>ReasonDialog</name>
    <message>
        <source>&amp;Reason (required, kept in the audit trail):</source>
        <translation>原因(&amp;R)（必填，将记入稽查轨迹）：</translation>
    </message>
</context>
<context>
    <name>ReasonForChangeDialog</name>
    <message>
        <source>Reason for change</source>
        <translation>修改原因</translation>
    </message>
    <message>
        <source>These saved values change. Why?</source>
        <translation>以下已保存的数值将被修改，请说明原因。</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>&amp;Explanation (required for Other):</source>
        <translation>说明(&amp;E)（选择“其他”时必填）：</translation>
    </message>
</context>
<context>
    <name>ResetPasswordDialog</name>
    <message>
        <source>Reset password</source>
        <translation>重置密码</translation>
    </message>
    <message>
        <source>Reset the password of {user}. Check who is asking first; the account must choose a new password at its next sign-in, and a lock-out is lifted.</source>
        <translation>重置 {user} 的密码。请先核实申请人身份；该账户下次登录时须设置新密码，账户锁定同时解除。</translation>
    </message>
</context>
<context>
    <name>ReviewSummary</name>
    <message>
        <source>SDV: critical items {cv} / {ct} · all items {v} / {t}</source>
        <translation>源数据核查：关键条目 {cv} / {ct} · 全部条目 {v} / {t}</translation>
    </message>
    <message>
        <source>Queries: {open} open · {answered} answered</source>
        <translation>质疑：{open} 待回复 · {answered} 已回复</translation>
    </message>
    <message>
        <source>{form}: signature broken — re-signature required (signed by {name} on {when})</source>
        <translation>{form}：签名已失效 — 需重新签名（{name} 签于 {when}）</translation>
    </message>
    <message>
        <source>{form}: signed by {name} on {when} — {meaning}</source>
        <translation>{form}：{name} 签于 {when} — {meaning}</translation>
    </message>
    <message>
        <source> · {n} open query(ies)</source>
        <translation> · {n} 条待回复质疑</translation>
    </message>
</context>
<context>
    <name>RowTable</name>
    <message>
        <source>&amp;Add row</source>
        <translation>添加行(&amp;A)</translation>
    </message>
    <message>
        <source>Add a row (Return); Tab moves on past the table</source>
        <translation>添加一行（回车键）；按 Tab 键跳出表格</translation>
    </message>
    <message>
        <source>Remove row</source>
        <translation>删除行</translation>
    </message>
    <message>
        <source>Remove the row holding the cursor (Ctrl+Delete)</source>
        <translation>删除光标所在行（Ctrl+Delete）</translation>
    </message>
    <message>
        <source>Row {n}: </source>
        <translation>第 {n} 行：</translation>
    </message>
</context>
<context>
    <name>ScreenFailureDialog</name>
    <message>
        <source>Screen failure</source>
        <translation>筛选失败</translation>
    </message>
    <message>
        <source>Record {number} as a screen failure. The subject will not be enrolled; this cannot be undone.</source>
        <translation>将 {number} 记录为筛选失败。该受试者将不会入组，此操作无法撤销。</translation>
    </message>
    <message>
        <source>Criteria not satisfied:</source>
        <translation>未满足的标准：</translation>
    </message>
    <message>
        <source>No names, ID or phone numbers</source>
        <translation>请勿填写姓名、身份证号或电话号码</translation>
    </message>
    <message>
        <source>&amp;Reason:</source>
        <translation>原因(&amp;R)：</translation>
    </message>
    <message>
        <source>&amp;Specify (for Other):</source>
        <translation>具体说明(&amp;S)（选择“其他”时）：</translation>
    </message>
    <message>
        <source>Record screen failure</source>
        <translation>记录筛选失败</translation>
    </message>
</context>
<context>
    <name>SetupWizard</name>
    <message>
        <source>TNT Desktop — first run</source>
        <translation>TNT Desktop — 首次运行</translation>
    </message>
</context>
<context>
    <name>SignatureDialog</name>
    <message>
        <source>Electronic signature</source>
        <translation>电子签名</translation>
    </message>
    <message>
        <source>{form} — subject {key}</source>
        <translation>{form} — 受试者 {key}</translation>
    </message>
    <message>
        <source>This signature covers the whole casebook of the subject.</source>
        <translation>本签名涵盖该受试者的整份病例报告表。</translation>
    </message>
    <message>
        <source>Before your first electronic signature:</source>
        <translation>首次电子签名之前：</translation>
    </message>
    <message>
        <source>I have read and &amp;accept this statement</source>
        <translation>本人已阅读并接受以上声明(&amp;A)</translation>
    </message>
    <message>
        <source>Printed name:</source>
        <translation>签名人姓名：</translation>
    </message>
    <message>
        <source>&amp;User name:</source>
        <translation>用户名(&amp;U)：</translation>
    </message>
    <message>
        <source>&amp;Password:</source>
        <translation>密码(&amp;P)：</translation>
    </message>
    <message>
        <source>&amp;Sign</source>
        <translation>签名(&amp;S)</translation>
    </message>
</context>
<context>
    <name>SignatureStrip</name>
    <message>
        <source>Signed by {name} ({role}) on {when}: {meaning}</source>
        <translation>{name}（{role}）签于 {when}：{meaning}</translation>
    </message>
    <message>
        <source>Not signed: {label} — “{meaning}”</source>
        <translation>未签名：{label} — “{meaning}”</translation>
    </message>
    <message>
        <source>Signature broken — re-signature required</source>
        <translation>签名已失效 — 需重新签名</translation>
    </message>
    <message>
        <source>Re-sign…</source>
        <translation>重新签名…</translation>
    </message>
    <message>
        <source>Sign…</source>
        <translation>签名…</translation>
    </message>
</context>
<context>
    <name>StageChart</name>
    <message>
        <source>Subjects by stage</source>
        <translation>各阶段受试者</translation>
    </message>
</context>
<context>
    <name>SubjectListView</name>
    <message>
        <source>&amp;Search:</source>
        <translation>搜索(&amp;S)：</translation>
    </message>
    <message>
        <source>Subject ID or screening number</source>
        <translation>受试者编号或筛选号</translation>
    </message>
    <message>
        <source>S&amp;tatus:</source>
        <translation>状态(&amp;T)：</translation>
    </message>
    <message>
        <source>All</source>
        <translation>全部</translation>
    </message>
    <message>
        <source>&amp;Overdue only</source>
        <translation>仅显示逾期(&amp;O)</translation>
    </message>
    <message>
        <source>Loading subjects…</source>
        <translation>正在加载受试者…</translation>
    </message>
    <message>
        <source>{n} subjects</source>
        <translation>共 {n} 名受试者</translation>
    </message>
    <message>
        <source>{shown} of {n} subjects</source>
        <translation>显示 {shown} 名，共 {n} 名受试者</translation>
    </message>
</context>
<context>
    <name>SubjectStateBar</name>
    <message>
        <source>Data: {state}</source>
        <translation>数据：{state}</translation>
    </message>
    <message>
        <source>no data entry; queries still possible</source>
        <translation>不可录入数据，仍可发起质疑</translation>
    </message>
    <message>
        <source>database locked</source>
        <translation>数据库已锁定</translation>
    </message>
</context>
<context>
    <name>SubjectTableModel</name>
    <message>
        <source>Screening no.</source>
        <translation>筛选号</translation>
    </message>
    <message>
        <source>Subject ID</source>
        <translation>受试者编号</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Next due visit</source>
        <translation>下次访视</translation>
    </message>
    <message>
        <source>Window</source>
        <translation>访视窗</translation>
    </message>
    <message>
        <source>Data</source>
        <translation>数据状态</translation>
    </message>
    <message>
        <source>Overdue</source>
        <translation>逾期访视</translation>
    </message>
    <message>
        <source>Missing forms</source>
        <translation>缺失表单</translation>
    </message>
    <message>
        <source>Open problems</source>
        <translation>待处理问题</translation>
    </message>
    <message>
        <source>Queries</source>
        <translation>质疑</translation>
    </message>
    <message>
        <source>Enrolled</source>
        <translation>入组日期</translation>
    </message>
    <message>
        <source>Last update</source>
        <translation>最后更新</translation>
    </message>
    <message>
        <source>Window of the next due visit, computed from the actual dates</source>
        <translation>下次访视的访视窗，根据实际日期计算</translation>
    </message>
    <message>
        <source>Forms of visits done, due or overdue that are not complete</source>
        <translation>已进行、到期或逾期访视中尚未完成的表单</translation>
    </message>
    <message>
        <source>Forms with errors or warnings</source>
        <translation>存在错误或警告的表单</translation>
    </message>
    <message>
        <source>Queries waiting for the site&apos;s answer, and answered queries waiting for the monitor</source>
        <translation>等待研究中心回复的质疑，以及已回复、等待监查员处理的质疑</translation>
    </message>
    <message>
        <source>Open, frozen (no data entry; queries still possible) or locked (no change at all)</source>
        <translation>开放、已冻结（不可录入数据，仍可发起质疑）或已锁定（不可做任何修改）</translation>
    </message>
    <message>
        <source>{n} open</source>
        <translation>{n} 待回复</translation>
    </message>
    <message>
        <source>{n} answered</source>
        <translation>{n} 已回复</translation>
    </message>
    <message>
        <source>target {date}</source>
        <translation>目标日期 {date}</translation>
    </message>
</context>
<context>
    <name>UsersTab</name>
    <message>
        <source>Each person has their own account. A new account starts with a temporary password the person replaces at the first sign-in.</source>
        <translation>每人使用自己的账户。新账户使用临时密码，本人首次登录时须更换为自己的密码。</translation>
    </message>
    <message>
        <source>User name</source>
        <translation>用户名</translation>
    </message>
    <message>
        <source>Full name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>Role</source>
        <translation>角色</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>&amp;New user…</source>
        <translation>新建用户(&amp;N)…</translation>
    </message>
    <message>
        <source>&amp;Reset password…</source>
        <translation>重置密码(&amp;R)…</translation>
    </message>
    <message>
        <source>Change r&amp;ole…</source>
        <translation>更改角色(&amp;O)…</translation>
    </message>
    <message>
        <source>&amp;Deactivate…</source>
        <translation>停用(&amp;D)…</translation>
    </message>
    <message>
        <source>Deactivated</source>
        <translation>已停用</translation>
    </message>
    <message>
        <source>Active — must choose a password at next sign-in</source>
        <translation>启用 — 下次登录时须设置新密码</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>启用</translation>
    </message>
    <message>
        <source>Change role</source>
        <translation>更改角色</translation>
    </message>
    <message>
        <source>New role of {user}:</source>
        <translation>{user} 的新角色：</translation>
    </message>
    <message>
        <source>Deactivate account</source>
        <translation>停用账户</translation>
    </message>
    <message>
        <source>Deactivate {user}? The account can no longer open the database; its entries and signatures stay in the audit trail.</source>
        <translation>确定停用 {user} 吗？该账户将无法再打开数据库；其录入和签名仍保留在稽查轨迹中。</translation>
    </message>
</context>
<context>
    <name>VerifyTab</name>
    <message>
        <source>Check the database file (every encrypted page) and the audit trail&apos;s chain, entry by entry. The check itself is recorded in the audit trail.</source>
        <translation>校验数据库文件（每一个加密页）以及稽查轨迹链（逐条记录）。校验本身也会记入稽查轨迹。</translation>
    </message>
    <message>
        <source>&amp;Verify database</source>
        <translation>校验数据库(&amp;V)</translation>
    </message>
    <message>
        <source>Verifying the database…</source>
        <translation>正在校验数据库…</translation>
    </message>
    <message>
        <source>Database intact</source>
        <translation>数据库完整</translation>
    </message>
    <message>
        <source>Problems found</source>
        <translation>发现问题</translation>
    </message>
</context>
<context>
    <name>WorkflowActions</name>
    <message>
        <source>Read-only: the database is locked. Nothing can change until a data manager unlocks it with a reason.</source>
        <translation>只读：数据库已锁定。在数据管理员填写原因解锁之前，任何数据均不能修改。</translation>
    </message>
    <message>
        <source>Read-only: subject {key} is locked. Nothing can change until a data manager unlocks the subject with a reason.</source>
        <translation>只读：受试者 {key} 已锁定。在数据管理员填写原因解锁该受试者之前，任何数据均不能修改。</translation>
    </message>
    <message>
        <source>Read-only: subject {key} is frozen — no data entry. Queries can still be raised and answered.</source>
        <translation>只读：受试者 {key} 已冻结，不可录入数据；仍可发起和回复质疑。</translation>
    </message>
    <message>
        <source>Read-only: this form is locked. A data manager must unlock it with a reason before it can change.</source>
        <translation>只读：此表单已锁定。须由数据管理员填写原因解锁后才能修改。</translation>
    </message>
    <message>
        <source>Unlock form</source>
        <translation>解锁表单</translation>
    </message>
    <message>
        <source>Unlock form {form} of subject {key}? Its data can then be changed again.</source>
        <translation>确定解锁受试者 {key} 的表单 {form} 吗？解锁后其数据可再次修改。</translation>
    </message>
    <message>
        <source>Unfreeze subject</source>
        <translation>解冻受试者</translation>
    </message>
    <message>
        <source>Unfreeze subject {key}? Data entry will be possible again.</source>
        <translation>确定解冻受试者 {key} 吗？解冻后可再次录入数据。</translation>
    </message>
    <message>
        <source>Lock subject</source>
        <translation>锁定受试者</translation>
    </message>
    <message>
        <source>Lock subject {key}? Nothing in the casebook can change (not even queries) until a data manager unlocks it with a reason.</source>
        <translation>确定锁定受试者 {key} 吗？在数据管理员填写原因解锁之前，该病例报告中的任何内容（包括质疑）均不能修改。</translation>
    </message>
    <message>
        <source>Unlock subject</source>
        <translation>解锁受试者</translation>
    </message>
    <message>
        <source>Unlock subject {key}? The casebook will be open for data entry again.</source>
        <translation>确定解锁受试者 {key} 吗？解锁后该病例报告可再次录入数据。</translation>
    </message>
    <message>
        <source>Lock database</source>
        <translation>锁定数据库</translation>
    </message>
    <message>
        <source>Lock the whole database? No data of any subject can change until a data manager unlocks it with a reason.</source>
        <translation>确定锁定整个数据库吗？在数据管理员填写原因解锁之前，任何受试者的数据均不能修改。</translation>
    </message>
    <message>
        <source>Unlock database</source>
        <translation>解锁数据库</translation>
    </message>
    <message>
        <source>Unlock the database? Data entry will be possible again.</source>
        <translation>确定解锁数据库吗？解锁后可再次录入数据。</translation>
    </message>
    <message>
        <source>&amp;Verify form (SDV)</source>
        <translation>核查表单（SDV）(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;Lock form</source>
        <translation>锁定表单(&amp;L)</translation>
    </message>
    <message>
        <source>&amp;Unlock form…</source>
        <translation>解锁表单(&amp;U)…</translation>
    </message>
    <message>
        <source>&amp;Freeze subject</source>
        <translation>冻结受试者(&amp;F)</translation>
    </message>
    <message>
        <source>U&amp;nfreeze subject…</source>
        <translation>解冻受试者(&amp;N)…</translation>
    </message>
    <message>
        <source>&amp;Lock subject</source>
        <translation>锁定受试者(&amp;L)</translation>
    </message>
    <message>
        <source>&amp;Unlock subject…</source>
        <translation>解锁受试者(&amp;U)…</translation>
    </message>
</context>
<context>
    <name>_AccountDialog</name>
    <message>
        <source>Temporary password</source>
        <translation>临时密码</translation>
    </message>
    <message>
        <source>Repeat it</source>
        <translation>再次输入</translation>
    </message>
    <message>
        <source>Give the temporary password to the person privately; they choose their own at their first sign-in.</source>
        <translation>请私下将临时密码交给本人；本人首次登录时设置自己的密码。</translation>
    </message>
    <message>
        <source>Saving the account…</source>
        <translation>正在保存账户…</translation>
    </message>
</context>
<context>
    <name>_AdminPage</name>
    <message>
        <source>Site and administrator</source>
        <translation>研究中心与管理员</translation>
    </message>
    <message>
        <source>Site number</source>
        <translation>中心编号</translation>
    </message>
    <message>
        <source>Administrator user name</source>
        <translation>管理员用户名</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <source>Repeat password</source>
        <translation>确认密码</translation>
    </message>
    <message>
        <source>The passwords do not match.</source>
        <translation>两次输入的密码不一致。</translation>
    </message>
    <message>
        <source>Creating the encrypted database…</source>
        <translation>正在创建加密数据库…</translation>
    </message>
</context>
<context>
    <name>_WelcomePage</name>
    <message>
        <source>Welcome to TNT Desktop</source>
        <translation>欢迎使用 TNT Desktop</translation>
    </message>
    <message>
        <source>This workstation has no TNT-STS database yet. The wizard creates an encrypted database and its first administrator.

Database: {db}
Key file: {keys}
Backups: {backups}

Keep the database and its key file together. The administrator can move backups to another folder (a USB drive, say) later.</source>
        <translation>本工作站尚无 TNT-STS 数据库。向导将创建一个加密数据库及其首个管理员账号。

数据库：{db}
密钥文件：{keys}
备份：{backups}

请将数据库与其密钥文件存放在一起。管理员日后可将备份移至其他文件夹（例如 U 盘）。</translation>
    </message>
</context>
</TS>
